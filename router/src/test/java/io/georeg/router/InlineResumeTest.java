package io.georeg.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.eclipse.jetty.util.thread.TryExecutor;
import org.junit.jupiter.api.Test;

/** A resumed connection runs on the completing thread only while the handlers are non-blocking. */
class InlineResumeTest {
    private final List<Runnable> pooled = new ArrayList<>();
    private final InlineResume executor = new InlineResume(new TryExecutor() {
        @Override
        public void execute(Runnable task) {
            pooled.add(task);
        }

        @Override
        public boolean tryExecute(Runnable task) {
            pooled.add(task);
            return true;
        }
    });

    /** A {@link Connection} that is a task too, as Jetty's HTTP/1 connection is; records the thread it ran on. */
    private static Runnable connection(AtomicReference<Thread> ranOn) {
        return (Runnable) Proxy.newProxyInstance(
                InlineResumeTest.class.getClassLoader(),
                new Class<?>[] {Runnable.class, Connection.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("run")) {
                        ranOn.set(Thread.currentThread());
                    }
                    return null;
                });
    }

    @Test
    void aConnectionRunsOnTheCallingThreadOnceTheHandlersAreNonBlocking() {
        executor.handlersNonBlocking(InvocationType.NON_BLOCKING);
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        executor.execute(connection(ranOn));
        assertThat(ranOn.get()).isSameAs(Thread.currentThread());
        assertThat(pooled).isEmpty();
    }

    @Test
    void otherTasksGoToThePool() {
        executor.handlersNonBlocking(InvocationType.NON_BLOCKING);
        Runnable task = () -> {};
        executor.execute(task);
        assertThat(executor.tryExecute(task)).isTrue();
        assertThat(pooled).containsExactly(task, task);
    }

    @Test
    void beforeTheServerStartsAndWithBlockingHandlersEveryTaskGoesToThePool() {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        executor.execute(connection(ranOn));
        executor.handlersNonBlocking(InvocationType.BLOCKING);
        executor.execute(connection(ranOn));
        executor.handlersNonBlocking(InvocationType.EITHER);
        executor.execute(connection(ranOn));
        assertThat(ranOn.get()).isNull();
        assertThat(pooled).hasSize(3);
    }
}
