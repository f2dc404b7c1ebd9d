package io.georeg.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.eclipse.jetty.util.thread.TryExecutor;
import org.junit.jupiter.api.Test;

/**
 * A resumed connection runs on the completing thread only on a thread of the upstream client's
 * pool, one level deep, while the handlers are non-blocking.
 */
class InlineResumeTest {
    private final List<Runnable> pooled = new CopyOnWriteArrayList<>();
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
    private static Runnable connection(AtomicReference<Thread> ranOn, Runnable then) {
        return (Runnable) Proxy.newProxyInstance(
                InlineResumeTest.class.getClassLoader(),
                new Class<?>[] {Runnable.class, Connection.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "run" -> {
                        ranOn.set(Thread.currentThread());
                        then.run();
                        yield null;
                    }
                    case "equals" -> proxy == args[0];
                    case "hashCode" -> System.identityHashCode(proxy);
                    default -> null;
                });
    }

    private static Runnable connection(AtomicReference<Thread> ranOn) {
        return connection(ranOn, () -> {});
    }

    /** Runs {@code task} on a thread of the upstream client's pool and returns that thread once it ended. */
    private static Thread onClientThread(Runnable task) throws InterruptedException {
        Thread thread = InlineResume.clientPool().newThread(task);
        thread.start();
        thread.join();
        return thread;
    }

    @Test
    void aConnectionRunsOnTheClientThreadThatCompletedTheAnswerOnceTheHandlersAreNonBlocking() throws Exception {
        executor.handlersNonBlocking(InvocationType.NON_BLOCKING);
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        Thread client = onClientThread(() -> executor.execute(connection(ranOn)));
        assertThat(ranOn.get()).isSameAs(client);
        assertThat(pooled).isEmpty();
    }

    /** A virtual thread (registry-read in process, the token shield) or any other thread hands it to the pool. */
    @Test
    void onAnyOtherThreadAConnectionGoesToThePool() throws Exception {
        executor.handlersNonBlocking(InvocationType.NON_BLOCKING);
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        executor.execute(connection(ranOn));
        Thread.ofVirtual().start(() -> executor.execute(connection(ranOn))).join();
        Thread.ofPlatform().start(() -> executor.execute(connection(ranOn))).join();
        assertThat(ranOn.get()).isNull();
        assertThat(pooled).hasSize(3);
    }

    /** A connection resumed inline that completes another answer on the same thread: that one goes to the pool. */
    @Test
    void neverMoreThanOneLevelDeep() throws Exception {
        executor.handlersNonBlocking(InvocationType.NON_BLOCKING);
        AtomicReference<Thread> outer = new AtomicReference<>();
        AtomicReference<Thread> inner = new AtomicReference<>();
        Runnable nested = connection(inner);
        Thread client = onClientThread(() -> executor.execute(connection(outer, () -> executor.execute(nested))));
        assertThat(outer.get()).isSameAs(client);
        assertThat(inner.get()).isNull();
        assertThat(pooled).containsExactly(nested);
        // Once out of it, the thread resumes inline again.
        AtomicReference<Thread> next = new AtomicReference<>();
        Thread again = onClientThread(() -> {
            executor.execute(connection(new AtomicReference<>()));
            executor.execute(connection(next));
        });
        assertThat(next.get()).isSameAs(again);
    }

    @Test
    void theClientPoolNamesItsThreadsAsJettyDoes() {
        org.eclipse.jetty.util.thread.QueuedThreadPool pool = InlineResume.clientPool();
        pool.setName("router-client");
        Thread thread = pool.newThread(() -> {});
        assertThat(thread).isInstanceOf(InlineResume.ClientThread.class);
        assertThat(thread.getName()).isEqualTo("router-client-" + thread.threadId());
        assertThat(thread.isDaemon()).isEqualTo(pool.isDaemon());
    }

    @Test
    void otherTasksGoToThePool() throws Exception {
        executor.handlersNonBlocking(InvocationType.NON_BLOCKING);
        Runnable task = () -> {};
        onClientThread(() -> {
            executor.execute(task);
            executor.tryExecute(task);
        });
        assertThat(pooled).containsExactly(task, task);
    }

    @Test
    void beforeTheServerStartsAndWithBlockingHandlersEveryTaskGoesToThePool() throws Exception {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        onClientThread(() -> {
            executor.execute(connection(ranOn));
            executor.handlersNonBlocking(InvocationType.BLOCKING);
            executor.execute(connection(ranOn));
            executor.handlersNonBlocking(InvocationType.EITHER);
            executor.execute(connection(ranOn));
        });
        assertThat(ranOn.get()).isNull();
        assertThat(pooled).hasSize(3);
    }
}
