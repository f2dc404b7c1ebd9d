package io.georeg.read.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.georeg.oci.Digest;
import io.georeg.read.api.VerifiedFiles.Identity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The table of files verified before, for {@code registryRead.verifyServedBlobs: once}. */
class VerifiedFilesTest {
    static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    /** A file that last changed at 1,000 s; opened at 1,010 s it has been quiet for 10 s. */
    static final Identity FILE = new Identity(2049, 131, 1024, 1_000 * SECOND, 1_000 * SECOND);

    static final long OPENED = 1_010 * SECOND;

    @TempDir
    Path dir;

    @Test
    void aFileRecordedAfterItsHashIsVerifiedWhileItsIdentityStays() {
        VerifiedFiles table = new VerifiedFiles(10);
        Digest d = digest(1);

        assertThat(table.verified(d, FILE, OPENED)).isFalse();
        assertThat(table.record(d, FILE, FILE, OPENED)).isTrue();
        assertThat(table.verified(d, FILE, OPENED + SECOND)).isTrue();
        assertThat(table.verified(digest(2), FILE, OPENED)).as("another digest").isFalse();
    }

    @Test
    void anyChangeOfTheFileIsNotVerifiedAndForgetsTheRecord() {
        Identity[] changed = {
            new Identity(2050, 131, 1024, 1_000 * SECOND, 1_000 * SECOND), // another device
            new Identity(2049, 132, 1024, 1_000 * SECOND, 1_000 * SECOND), // replaced: another inode
            new Identity(2049, 131, 1000, 1_000 * SECOND, 1_000 * SECOND), // truncated
            new Identity(2049, 131, 1024, 1_005 * SECOND, 1_005 * SECOND), // written
            new Identity(2049, 131, 1024, 1_000 * SECOND, 1_000 * SECOND + 1), // changed, mtime set back
            null, // gone
        };
        for (Identity other : changed) {
            VerifiedFiles table = new VerifiedFiles(10);
            Digest d = digest(1);
            table.record(d, FILE, FILE, OPENED);

            assertThat(table.verified(d, other, OPENED))
                    .as(String.valueOf(other))
                    .isFalse();
            assertThat(table.size()).as("forgotten after %s", other).isZero();
            assertThat(table.verified(d, FILE, OPENED)).isFalse();
        }
    }

    @Test
    void aFileChangedWithinTwoSecondsBeforeItsOpenIsNeitherRecordedNorTrusted() {
        VerifiedFiles table = new VerifiedFiles(10);
        Digest d = digest(1);
        long young = FILE.ctimeNanos() + VerifiedFiles.QUIET_NANOS;

        assertThat(table.record(d, FILE, FILE, young)).isFalse();
        assertThat(table.size()).isZero();
        table.record(d, FILE, FILE, OPENED);
        assertThat(table.verified(d, FILE, young))
                .as("opened when the file was young: the path may have named another file at the open")
                .isFalse();
    }

    @Test
    void aFileThatChangedWhileItWasReadIsNotRecorded() {
        VerifiedFiles table = new VerifiedFiles(10);
        Identity after = new Identity(2049, 131, 1024, 1_011 * SECOND, 1_011 * SECOND);

        assertThat(table.record(digest(1), FILE, after, OPENED)).isFalse();
        assertThat(table.record(digest(1), null, null, OPENED)).isFalse();
        assertThat(table.size()).isZero();
    }

    @Test
    void theTableKeepsItsBoundEvictingTheLeastRecentlyUsed() {
        VerifiedFiles table = new VerifiedFiles(3);
        for (int i = 1; i <= 3; i++) {
            table.record(digest(i), FILE, FILE, OPENED);
        }
        assertThat(table.verified(digest(1), FILE, OPENED)).isTrue(); // 2 is now the least recently used
        for (int i = 4; i <= 6; i++) {
            table.record(digest(i), FILE, FILE, OPENED);
            assertThat(table.size()).isEqualTo(3);
        }
        table.record(digest(1), FILE, FILE, OPENED);

        assertThat(table.verified(digest(2), FILE, OPENED)).isFalse();
        assertThat(table.verified(digest(1), FILE, OPENED)).isTrue();
        assertThat(table.size()).isEqualTo(3);
    }

    @Test
    void theIdentityOfARealFileChangesWithAReplaceByRename() throws Exception {
        Path data = Files.write(dir.resolve("data"), new byte[] {1, 2, 3});
        Identity first = Identity.of(data);
        Path replacement = Files.write(dir.resolve("tmp"), new byte[] {1, 2, 3});
        Files.move(replacement, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Identity second = Identity.of(data);

        assertThat(first).isNotNull();
        assertThat(first.size()).isEqualTo(3);
        assertThat(first.ctimeNanos()).isPositive();
        assertThat(second.inode()).isNotEqualTo(first.inode());
        assertThat(Identity.of(dir.resolve("absent"))).isNull();
    }

    private static Digest digest(int n) {
        return Digest.parse("sha256:" + String.format("%064x", n));
    }
}
