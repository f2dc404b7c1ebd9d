package io.georeg.testkit.tools;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A forward proxy on an ephemeral loopback port that only tunnels: a client's {@code CONNECT
 * host:port} opens a connection to that target and relays bytes both ways (TLS passes through
 * untouched), as the corporate proxy an operator names in {@code primary.proxy} does for HTTPS.
 * Any other method gets 405. Every tunnel's target is recorded, so a test shows which traffic
 * went through the proxy. Connections are closed by {@link #close()}.
 */
public final class ConnectProxy implements AutoCloseable {
    private static final int MAX_HEAD = 16 * 1024;

    private final ServerSocket server;
    private final List<String> tunnels = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private ConnectProxy(ServerSocket server) {
        this.server = server;
    }

    public static ConnectProxy start() {
        try {
            ConnectProxy proxy = new ConnectProxy(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
            Thread.ofVirtual().name("connect-proxy-accept").start(proxy::accept);
            return proxy;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a proxy port", e);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    /** {@code http://127.0.0.1:<port>}, as {@code primary.proxy} names it. */
    public String url() {
        return "http://127.0.0.1:" + port();
    }

    /** The {@code host:port} of every tunnel opened so far, in order. */
    public List<String> tunnels() {
        return List.copyOf(tunnels);
    }

    /** How many tunnels were opened to {@code hostPort}. */
    public long tunnelsTo(String hostPort) {
        return tunnels.stream().filter(hostPort::equals).count();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                sockets.add(client);
                Thread.ofVirtual().name("connect-proxy").start(() -> serve(client));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            String head = readHead(in);
            String[] requestLine = head.lines().findFirst().orElse("").split(" ");
            if (requestLine.length < 3 || !requestLine[0].equals("CONNECT") || !requestLine[1].contains(":")) {
                out.write("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                return;
            }
            String target = requestLine[1];
            int colon = target.lastIndexOf(':');
            try (Socket upstream =
                    new Socket(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)))) {
                sockets.add(upstream);
                tunnels.add(target);
                out.write("HTTP/1.1 200 Connection Established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Thread back = Thread.ofVirtual().name("connect-proxy-back").start(() -> pipe(upstream, client));
                pipe(client, upstream);
                back.join();
            }
        } catch (IOException e) {
            // A client or target went away: its tunnel ends, nothing else to do.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Copies until {@code from} ends, then ends {@code to}'s output so the other side sees it. */
    private static void pipe(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
            to.shutdownOutput();
        } catch (IOException e) {
            try {
                to.close();
                from.close();
            } catch (IOException ignored) {
                // both are going away anyway
            }
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < end.length) {
            int b = in.read();
            if (b < 0 || head.size() > MAX_HEAD) {
                throw new IOException("no complete request head");
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
