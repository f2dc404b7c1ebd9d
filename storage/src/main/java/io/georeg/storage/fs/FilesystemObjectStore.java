package io.georeg.storage.fs;

import io.georeg.storage.ObjectKey;
import io.georeg.storage.ObjectNotFoundException;
import io.georeg.storage.ObjectStore;
import io.georeg.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The embedded default backend: one file per key below a root directory, in the same tree a
 * stock distribution filesystem driver uses. Streamed writes go to {@code <root>/.georeg-tmp}
 * (same filesystem, so the commit is an atomic rename; no key can start with '.', so the
 * temporary area is never listed or addressed). Reads are positional {@link FileChannel} reads,
 * one open file per stream and nothing else per read, because registry-read serves from here.
 *
 * <p>Empty directories left by deletes are not pruned: a concurrent writer could be creating a
 * file in them, and distribution ignores empty directories. Temporary files of a crashed process
 * stay in {@code .georeg-tmp}, never visible as objects, until {@link #removeAbandonedWrites}.
 */
public final class FilesystemObjectStore implements ObjectStore {
    /** The directory below the root for uncommitted writes. */
    public static final String TEMP_DIR = ".georeg-tmp";

    private final Path root;
    private final Path tempDir;

    private FilesystemObjectStore(Path root, Path tempDir) {
        this.root = root;
        this.tempDir = tempDir;
    }

    /** Opens (and creates when missing) the store at {@code root}. */
    public static FilesystemObjectStore open(Path root) {
        Path absolute = root.toAbsolutePath().normalize();
        try {
            // The temporary directory is made by the first write: a reader may run on a read-only mount.
            Files.createDirectories(absolute);
        } catch (IOException e) {
            throw new StorageException(
                    "cannot create storage directory " + absolute + " (storage.filesystem.root): " + e.getMessage(), e);
        }
        return new FilesystemObjectStore(absolute, absolute.resolve(TEMP_DIR));
    }

    /** The root directory. */
    public Path root() {
        return root;
    }

    /**
     * The root must be a directory this process can list: a stat of a missing key below a root
     * that is gone or no directory only says "absent".
     */
    @Override
    public void probe() {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            entries.iterator().hasNext();
        } catch (IOException | DirectoryIteratorException e) {
            throw new StorageException("cannot list the storage root " + root + ": " + e.getMessage(), e);
        }
    }

    /** The file of {@code key}; ObjectKey's grammar keeps it inside the root. */
    public Path pathOf(ObjectKey key) {
        return root.resolve(key.value());
    }

    @Override
    public Optional<Long> size(ObjectKey key) {
        Path path = pathOf(key);
        // Asked first (no exception when absent): a replicator's copy asks this of every blob it
        // is about to download, and NoSuchFileException's two exceptions per miss were most of it.
        if (!Files.exists(path)) {
            return Optional.empty();
        }
        try {
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
            return attributes.isRegularFile() ? Optional.of(attributes.size()) : Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new StorageException("stat " + key + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public InputStream read(ObjectKey key, long offset, long length) {
        checkRange(offset, length);
        Path path = pathOf(key);
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw notFound(key, e);
        } catch (IOException e) {
            throw new StorageException("open " + key + " failed: " + e.getMessage(), e);
        }
        return new FileRangeInputStream(channel, path, offset, length < 0 ? Long.MAX_VALUE : length);
    }

    @Override
    public void writeSmall(ObjectKey key, byte[] content) {
        try (PendingWrite write = beginWrite(key)) {
            try {
                write.stream().write(content);
            } catch (IOException e) {
                throw new StorageException("write " + key + " failed: " + e.getMessage(), e);
            }
            write.commit();
        }
    }

    @Override
    public PendingWrite beginWrite(ObjectKey finalKey) {
        Path temp = tempDir.resolve(UUID.randomUUID().toString());
        try {
            ensureDirectory(tempDir);
            FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            return new FilePendingWrite(channel, temp, pathOf(finalKey), finalKey);
        } catch (IOException e) {
            throw new StorageException("cannot create temporary file " + temp + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@link Files#createDirectories} without the exceptions it throws and catches on its way:
     * two for a directory that is there (its {@code mkdir} fails), two or more for one whose
     * parent is missing. Every write ensures its directories (the temporary one and the key's), so
     * those were thousands of exceptions in an initial replication. Missing ancestors are found
     * with {@link Files#isDirectory} (no exception) and created from the top down; one created
     * meanwhile by another writer is fine, a file in the way is not.
     */
    static void ensureDirectory(Path dir) throws IOException {
        Deque<Path> missing = new ArrayDeque<>();
        for (Path d = dir; d != null && !Files.isDirectory(d); d = d.getParent()) {
            missing.push(d);
        }
        for (Path d : missing) {
            try {
                Files.createDirectory(d);
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(d)) {
                    throw e;
                }
            }
        }
    }

    /**
     * {@inheritDoc} Here: files in {@value #TEMP_DIR} not written to since the cutoff (a write in
     * progress touches its file with every chunk, so its modification time stays recent).
     */
    @Override
    public int removeAbandonedWrites(Instant startedBefore) {
        if (!Files.isDirectory(tempDir)) {
            return 0;
        }
        int removed = 0;
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(tempDir)) {
            for (Path temp : temps) {
                if (abandoned(temp, startedBefore) && Files.deleteIfExists(temp)) {
                    removed++;
                }
            }
        } catch (IOException e) {
            throw new StorageException(
                    "cannot remove abandoned temporary files in " + tempDir + ": " + e.getMessage(), e);
        }
        return removed;
    }

    private static boolean abandoned(Path temp, Instant startedBefore) throws IOException {
        try {
            return Files.isRegularFile(temp)
                    && Files.getLastModifiedTime(temp).toInstant().isBefore(startedBefore);
        } catch (NoSuchFileException e) {
            return false; // committed or aborted meanwhile
        }
    }

    @Override
    public void delete(ObjectKey key) {
        try {
            Files.deleteIfExists(pathOf(key));
        } catch (IOException e) {
            throw new StorageException("delete " + key + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public List<ObjectKey> list(ObjectKey prefix) {
        Path dir = pathOf(prefix);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<ObjectKey> keys = new ArrayList<>();
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) {
                        keyOf(file).ifPresent(keys::add);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE; // deleted while we walked: not listed
                    }
                    throw e;
                }
            });
        } catch (IOException e) {
            throw new StorageException("list " + prefix + " failed: " + e.getMessage(), e);
        }
        keys.sort((a, b) -> a.value().compareTo(b.value()));
        return keys;
    }

    /** Always empty: a local file has no URL a client could fetch. */
    @Override
    public Optional<URI> presignedGet(ObjectKey key, Duration ttl) {
        return Optional.empty();
    }

    @Override
    public void close() {
        // Nothing is held open between calls.
    }

    private Optional<ObjectKey> keyOf(Path file) {
        String relative =
                root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
        try {
            return Optional.of(ObjectKey.of(relative));
        } catch (IllegalArgumentException notOurs) {
            // A file georeg did not write (its name is not a valid key): not an object.
            return Optional.empty();
        }
    }

    private static ObjectNotFoundException notFound(ObjectKey key, IOException cause) {
        ObjectNotFoundException e = new ObjectNotFoundException(key);
        e.initCause(cause);
        return e;
    }

    static void checkRange(long offset, long length) {
        if (offset < 0 || length < -1) {
            throw new IllegalArgumentException("invalid range: offset " + offset + ", length " + length);
        }
    }
}
