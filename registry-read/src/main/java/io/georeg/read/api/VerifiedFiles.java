package io.georeg.read.api;

import io.georeg.oci.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The files whose bytes this process hashed to their digest while it served them, for
 * {@code registryRead.verifyServedBlobs: once} ({@link BlobEndpoint}): digest → the file's
 * {@link Identity} (device, inode, size, modification and change time in nanoseconds). A whole GET
 * whose file still has the recorded identity is sent unhashed; any other is hashed, and recorded
 * when its hash matched.
 *
 * <p>Why the identity is enough. Any write to a file sets its change time (ctime), which no user
 * call can set back — through a shared mapping only when the write faults, which {@link
 * BlobEndpoint} makes every later one do by writing the file's dirty pages back before the GET
 * that records it; a truncation changes its size; a replace by rename puts another inode at the
 * path; a file leaving a directory entry (replaced, unlinked while another link keeps it) or
 * entering one (rename, link) has its ctime set too. Kernel timestamps are coarse (one tick, a few
 * ms) and a write in the tick that created the file could leave both times unchanged, so only a
 * file whose ctime lies more than {@link #QUIET_NANOS} before the GET opened it is recorded or
 * trusted: its last change is long over, and any later one moves its ctime. Damage below the
 * filesystem that changes no metadata (media rot) is not seen after the first verified serve: the
 * replicator's scrub and the client's own digest check are there for that (docs/security.md).
 *
 * <p>Bounded: at most {@code maxEntries}, the least recently used evicted first, about
 * {@value #BYTES_PER_ENTRY} bytes each for a sha256 digest. One table per registry-read handler
 * tree; its lock is held for a map lookup or insertion only.
 */
final class VerifiedFiles {
    /** 100,000 files: about 23 MiB of heap when full (docs/operations.md, the memory model). */
    static final int DEFAULT_MAX_ENTRIES = 100_000;

    /**
     * Heap per entry of a sha256 digest, measured (100,000 entries, heap used after a full GC with
     * the serial collector: 236) and as computed with compressed pointers: the map's entry (40)
     * and its share of the slot table (about 10), the digest (24) with its hex text (24 + 80), the
     * identity (56).
     */
    static final int BYTES_PER_ENTRY = 236;

    /** How long before the open a file must have last changed to be recorded or trusted. */
    static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(2);

    private static final String ATTRIBUTES = "unix:dev,ino,size,lastModifiedTime,ctime";

    /** What identifies a file's content short of reading it: the file (device, inode) and its last change. */
    record Identity(long device, long inode, long size, long mtimeNanos, long ctimeNanos) {
        /** The identity of the file at {@code path} now, or null when it cannot be read (gone, no unix attributes). */
        static Identity of(Path path) {
            try {
                Map<String, Object> a = Files.readAttributes(path, ATTRIBUTES);
                return new Identity(
                        (Long) a.get("dev"),
                        (Long) a.get("ino"),
                        (Long) a.get("size"),
                        nanos(a.get("lastModifiedTime")),
                        nanos(a.get("ctime")));
            } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
                return null;
            }
        }

        private static long nanos(Object time) {
            return ((FileTime) time).to(TimeUnit.NANOSECONDS);
        }

        /** True when the file last changed more than {@link #QUIET_NANOS} before {@code openedAtNanos} (epoch ns). */
        boolean quietBefore(long openedAtNanos) {
            return ctimeNanos < openedAtNanos - QUIET_NANOS;
        }
    }

    private final Map<Digest, Identity> entries;

    VerifiedFiles(int maxEntries) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1 (got " + maxEntries + ")");
        }
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Digest, Identity> eldest) {
                return size() > maxEntries;
            }
        };
    }

    /**
     * True when the file opened at {@code openedAtNanos} (epoch ns, read before the open) for
     * {@code digest}, whose identity read after the open is {@code identity}, is the file verified
     * before: then its descriptor is that file too. The record says that file was at the path with
     * that ctime more than {@link #QUIET_NANOS} before the open, and it is there with the same ctime
     * after it: had the path named another file at the open, the recorded one would have left and
     * re-entered the path since, which sets its ctime. Blobs are written to a temporary file and
     * renamed into place, content-addressed: a blob's path names one file for its life, so the
     * usual answer is a match. A mismatch forgets the record.
     */
    boolean verified(Digest digest, Identity identity, long openedAtNanos) {
        synchronized (entries) {
            Identity recorded = entries.get(digest);
            if (recorded == null) {
                return false;
            }
            if (recorded.equals(identity) && identity.quietBefore(openedAtNanos)) {
                return true;
            }
            entries.remove(digest);
            return false;
        }
    }

    /**
     * Records that the file opened at {@code openedAtNanos} for {@code digest} hashed to it, when
     * {@code before} (read after the open, before the first byte) and {@code after} (read after the
     * last byte) are the same identity of a file quiet since before the open: the file did not
     * change while it was read, and was at its path when it was opened (see {@link #verified}).
     *
     * @return whether it was recorded
     */
    boolean record(Digest digest, Identity before, Identity after, long openedAtNanos) {
        if (before == null || !before.equals(after) || !before.quietBefore(openedAtNanos)) {
            return false;
        }
        synchronized (entries) {
            entries.put(digest, before);
        }
        return true;
    }

    int size() {
        synchronized (entries) {
            return entries.size();
        }
    }
}
