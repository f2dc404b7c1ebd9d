package io.georeg.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.georeg.router.RouterConfig.AccessLog.Mode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessLogTest {
    @TempDir
    Path tmp;

    @Test
    void sampledKeepsOneRequestInNAndEveryFailureAndServerError() {
        AccessLog log = new AccessLog(new RouterConfig.AccessLog(Mode.SAMPLED, 10, null, 16), n -> {});

        long kept = IntStream.range(0, 1000)
                .filter(i -> log.wants("GET", 200, false))
                .count();

        assertThat(kept).isEqualTo(100);
        assertThat(log.wants("GET", 500, false)).isTrue();
        assertThat(log.wants("PUT", 503, false)).isTrue();
        assertThat(log.wants("GET", 200, true)).isTrue();
    }

    @Test
    void sampledKeepsEveryRefusedRequestButNotTheChallengeOrAReadOfSomethingAbsent() {
        AccessLog log = new AccessLog(new RouterConfig.AccessLog(Mode.SAMPLED, 1_000_000, null, 16), n -> {});
        assertThat(log.wants("GET", 200, false))
                .as("the first request of the sample")
                .isTrue();

        assertThat(log.wants("PUT", 400, false))
                .as("a manifest the primary refused")
                .isTrue();
        assertThat(log.wants("DELETE", 404, false))
                .as("a delete of something absent")
                .isTrue();
        assertThat(log.wants("PATCH", 416, false)).isTrue();
        assertThat(log.wants("GET", 400, false)).as("a path the router refuses").isTrue();
        assertThat(log.wants("GET", 403, false)).isTrue();
        assertThat(log.wants("POST", 429, false)).isTrue();

        assertThat(log.wants("GET", 401, false))
                .as("the token flow's challenge")
                .isFalse();
        assertThat(log.wants("PUT", 401, false)).isFalse();
        assertThat(log.wants("HEAD", 404, false)).as("does this blob exist?").isFalse();
        assertThat(log.wants("GET", 404, false)).isFalse();
        assertThat(log.wants("PUT", 201, false)).isFalse();
    }

    @Test
    void allKeepsEveryRequestAndOffNone() {
        AccessLog all = new AccessLog(new RouterConfig.AccessLog(Mode.ALL, 100, null, 16), n -> {});
        AccessLog off = new AccessLog(new RouterConfig.AccessLog(Mode.OFF, 100, null, 16), n -> {});

        assertThat(IntStream.range(0, 50).allMatch(i -> all.wants("GET", 200, false)))
                .isTrue();
        assertThat(IntStream.range(0, 50).noneMatch(i -> off.wants("PUT", 500, true)))
                .isTrue();
        assertThat(off.wants("PUT", 400, false)).isFalse();
    }

    @Test
    void linesGoToTheFileInOrderAndAreAllWrittenByClose() throws Exception {
        Path file = tmp.resolve("logs/access.log");
        AccessLog log = new AccessLog(new RouterConfig.AccessLog(Mode.ALL, 1, file, 100_000), n -> {});
        log.start();
        for (int i = 0; i < 5000; i++) {
            log.write(entry("id=" + i));
        }
        log.close();

        List<String> lines = lines(file);
        assertThat(lines).hasSize(5000);
        assertThat(lines.get(0)).isEqualTo("id=0");
        assertThat(lines.get(4999)).isEqualTo("id=4999");
        assertThat(log.dropped()).isZero();
    }

    @Test
    void aLineTheWriterCannotTakeIsDroppedAndCountedNeverWaitedFor() {
        AtomicLong counted = new AtomicLong();
        AccessLog stopped = new AccessLog(new RouterConfig.AccessLog(Mode.ALL, 1, null, 1), counted::addAndGet);

        stopped.write(entry("id=1"));
        stopped.write(entry("id=2"));

        assertThat(stopped.dropped()).isEqualTo(2);
        assertThat(counted).hasValue(2);
    }

    @Test
    void aFileThatCannotBeOpenedFailsTheStartNamingTheKey() throws Exception {
        Path notADirectory = Files.writeString(tmp.resolve("plain"), "x");
        AccessLog log = new AccessLog(
                new RouterConfig.AccessLog(Mode.ALL, 1, notADirectory.resolve("access.log"), 16), n -> {});

        assertThatThrownBy(log::start).hasMessageContaining("router.accessLog.file");
    }

    @Test
    void theModeIsReadAsTheConfigurationNamesIt() {
        assertThat(Mode.of("sampled")).isEqualTo(Mode.SAMPLED);
        assertThat(Mode.OFF.key()).isEqualTo("off");
        assertThatThrownBy(() -> Mode.of("verbose")).hasMessageContaining("one of off, sampled, all");
    }

    private static AccessLog.Entry entry(String line) {
        return new AccessLog.Entry(line, "id", "base", "replica", null, false);
    }

    private static List<String> lines(Path file) throws Exception {
        return Files.readAllLines(file);
    }
}
