package io.georeg.read.api;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Sends bytes of a filesystem blob straight from a read-only memory mapping of its file: the body
 * of {@link BlobBody} when {@code registryRead.verifyServedBlobs} is false. Jetty writes a mapped
 * slice to the socket as it writes any direct buffer, so the kernel copies the bytes from the page
 * cache into the socket, with no read into a buffer of this process and no hash; it is how Jetty's
 * own file serving sends large files ({@code FileMappingHttpContentFactory}). A {@code sendfile}
 * ({@code FileChannel.transferTo} into the connection's channel) would go around Jetty's HTTP/1.1
 * generator, which counts the body bytes against {@code Content-Length} and ends a response whose
 * count is short by closing the connection.
 *
 * <p>Memory: a mapping is address space over the page cache, not heap or direct memory, and each
 * is held only while it is written. The file is mapped {@link #SLICE_BYTES} at a time, each slice
 * in an {@code Arena} of its own that is closed (the slice unmapped) as soon as Jetty's write of it
 * has completed or failed — Jetty hands a buffer back with its callback — not when a garbage
 * collection finds a {@link java.nio.MappedByteBuffer} unreachable: at most one slice per download
 * in flight, so at most {@code registryRead.maxThreads} × 16 MiB of mappings whatever the
 * collector does. The arena is shared because Jetty may finish a write on its selector thread.
 * The foreign-memory API is final since Java 22 and a preview in Java 21, the project's compile
 * target, so it is reached through method handles; on a JDK older than 22 {@link #available} is
 * false and {@link BlobBody} copies through its buffers instead, still unhashed.
 */
final class MappedBody {
    /** Bytes mapped and handed to Jetty per write: few writes per blob, a bounded mapping each. */
    static final long SLICE_BYTES = 16L * 1024 * 1024;

    /** {@code Arena.ofShared()}, as an {@link AutoCloseable}; null before Java 22. */
    private static final MethodHandle NEW_ARENA;
    /** {@code FileChannel.map(MapMode, long, long, Arena)}, the segment as an Object. */
    private static final MethodHandle MAP;
    /** {@code MemorySegment.asByteBuffer()}. */
    private static final MethodHandle AS_BUFFER;

    static {
        MethodHandle newArena = null;
        MethodHandle map = null;
        MethodHandle asBuffer = null;
        if (Runtime.version().feature() >= 22) {
            try {
                MethodHandles.Lookup lookup = MethodHandles.publicLookup();
                Class<?> arena = Class.forName("java.lang.foreign.Arena");
                Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
                newArena = lookup.findStatic(arena, "ofShared", MethodType.methodType(arena))
                        .asType(MethodType.methodType(AutoCloseable.class));
                map = lookup.findVirtual(
                                FileChannel.class,
                                "map",
                                MethodType.methodType(
                                        segment, FileChannel.MapMode.class, long.class, long.class, arena))
                        .asType(MethodType.methodType(
                                Object.class,
                                FileChannel.class,
                                FileChannel.MapMode.class,
                                long.class,
                                long.class,
                                AutoCloseable.class));
                asBuffer = lookup.findVirtual(segment, "asByteBuffer", MethodType.methodType(ByteBuffer.class))
                        .asType(MethodType.methodType(ByteBuffer.class, Object.class));
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
        NEW_ARENA = newArena;
        MAP = map;
        AS_BUFFER = asBuffer;
    }

    private MappedBody() {}

    /** Whether files can be sent mapped: a mapping can be released when its write is done (Java 22+). */
    static boolean available() {
        return NEW_ARENA != null;
    }

    /**
     * Sends {@code [position, position + length)} of {@code file} to {@code out}, the last write
     * marked last when the file holds all of it.
     *
     * @return the bytes sent: fewer than {@code length} when the file ends early
     */
    static long send(FileChannel file, long position, long length, BlobBody.Sink out) throws IOException {
        long n = Math.max(0, Math.min(length, file.size() - position));
        for (long sent = 0; sent < n; ) {
            long slice = Math.min(SLICE_BYTES, n - sent);
            try (AutoCloseable arena = (AutoCloseable) NEW_ARENA.invokeExact()) {
                Object mapped = MAP.invokeExact(file, FileChannel.MapMode.READ_ONLY, position + sent, slice, arena);
                out.write((ByteBuffer) AS_BUFFER.invokeExact(mapped), sent + slice == length);
            } catch (IOException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IOException("mapping a blob's file failed", e);
            }
            sent += slice;
        }
        return n;
    }
}
