package io.georeg.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * What an opened object offers when its bytes are a range of a local file (the filesystem
 * backend's streams): the open file for positional reads straight into a server's buffers, and
 * the file's path, so that a server can read the file's identity (device, inode, size, times).
 * A server asks for it with {@code instanceof} on the stream {@link ObjectStore#read} returned;
 * object stores' streams do not offer it.
 */
public interface LocalFileRange {
    /** The open file; closing the stream closes it. */
    FileChannel channel();

    /** The file position of the next byte. */
    long position();

    /** Bytes left in the range, bounded by the end of the file. */
    long remaining() throws IOException;

    /** The path the file was opened by. */
    Path path();
}
