package io.georeg.router.it;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A primary that hangs on demand, as a hung process or a black-holed network does: a socket server
 * on 127.0.0.1 that accepts every connection and reads whatever it is sent. While it answers, every
 * request gets {@code 200 {}} (the router's probes find it up); once {@link #hang()}ed, it reads on
 * and answers nothing more, on new connections and kept-alive ones alike. A GET of a blob gets its
 * status, headers and the first {@link #BLOB_SENT} bytes of a {@link #BLOB_LENGTH}-byte body, and then
 * nothing more whatever the mode: a primary that stops mid-body; a GET of a tags list the start of
 * its body the same way. A referrers list is answered 404 to a HEAD (as a primary without the
 * referrers API answers) while it answers, and a GET of one never: the router's GET of a list whose
 * HEAD it got 404 for is what waits.
 */
final class HangingPrimary implements AutoCloseable {
    static final int BLOB_LENGTH = 4 << 20;
    static final int BLOB_SENT = 64 * 1024;

    private final ServerSocket server;
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    /** The request lines of the requests the router forwarded (they carry an X-Request-Id; its probes do not). */
    private final List<String> forwarded = new CopyOnWriteArrayList<>();

    private volatile boolean hung;

    HangingPrimary() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("hanging-primary").start(this::acceptAll);
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** From now on nothing is answered. */
    void hang() {
        hung = true;
    }

    /** Answers again (the connections it hung on stay hung: the router gives them up). */
    void answer() {
        hung = false;
    }

    List<String> forwarded() {
        return forwarded;
    }

    private void acceptAll() {
        try {
            while (true) {
                Socket s = server.accept();
                connections.add(s);
                Thread.ofVirtual().name("hanging-primary-connection").start(() -> serve(s));
            }
        } catch (IOException closed) {
            // close(): the test is over
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            while (true) {
                List<String> head = head(in);
                if (head == null) {
                    return;
                }
                String requestLine = head.getFirst();
                if (head.stream().anyMatch(h -> h.toLowerCase(Locale.ROOT).startsWith("x-request-id:"))) {
                    forwarded.add(requestLine);
                }
                if (requestLine.startsWith("GET ") && requestLine.contains("/blobs/sha256:")) {
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                                    + BLOB_LENGTH + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.write(new byte[BLOB_SENT]);
                    out.flush();
                    readUntilClosed(in);
                    return;
                }
                if (requestLine.startsWith("GET ") && requestLine.contains("/tags/list")) {
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1024\r\n\r\n"
                                    + "{\"name\":")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    readUntilClosed(in);
                    return;
                }
                if (hung || (requestLine.startsWith("GET ") && requestLine.contains("/referrers/"))) {
                    readUntilClosed(in);
                    return;
                }
                in.skipNBytes(contentLength(head));
                if (requestLine.startsWith("HEAD ") && requestLine.contains("/referrers/")) {
                    out.write(
                            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    continue;
                }
                out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        } catch (IOException closed) {
            // the router gave the connection up, or close()
        } finally {
            connections.remove(socket);
        }
    }

    /** The request line and header lines, or null at the end of the connection. */
    private static List<String> head(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (int b; (b = in.read()) >= 0; ) {
            if (b == '\n') {
                if (line.isEmpty()) {
                    return lines;
                }
                lines.add(line.toString());
                line.setLength(0);
            } else if (b != '\r') {
                line.append((char) b);
            }
        }
        return null;
    }

    private static long contentLength(List<String> head) {
        for (String h : head) {
            if (h.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                return Long.parseLong(h.substring("content-length:".length()).trim());
            }
        }
        return 0;
    }

    private static void readUntilClosed(InputStream in) throws IOException {
        byte[] buffer = new byte[16 * 1024];
        while (in.read(buffer) >= 0) {
            // read, never answered
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : connections) {
            s.close();
        }
    }
}
