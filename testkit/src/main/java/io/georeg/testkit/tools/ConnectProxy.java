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
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A forward proxy on an ephemeral loopback port that only tunnels: a client's {@code CONNECT
 * host:port} opens a connection to that target and relays bytes both ways (TLS passes through
 * untouched), as the corporate proxy an operator names in {@code primary.proxy} does for HTTPS.
 * Any other method gets 405. Every tunnel's target is recorded, so a test shows which traffic
 * went through the proxy. {@link #requiringAccount} makes it ask for an account as corporate
 * proxies do: a {@code CONNECT} without that account's {@code Proxy-Authorization} (HTTP Basic)
 * gets 407 with a {@code Proxy-Authenticate} challenge and is counted in {@link #refused()}.
 * Connections are closed by {@link #close()}.
 */
public final class ConnectProxy implements AutoCloseable {
    private static final int MAX_HEAD = 16 * 1024;

    private final ServerSocket server;
    /** The Proxy-Authorization value a CONNECT must carry; null: none is asked for. */
    private final String authorization;

    private final List<String> tunnels = new CopyOnWriteArrayList<>();
    private final AtomicInteger refused = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private ConnectProxy(ServerSocket server, String authorization) {
        this.server = server;
        this.authorization = authorization;
    }

    /** A proxy that tunnels for anyone. */
    public static ConnectProxy start() {
        return start(null);
    }

    /** A proxy that tunnels only for {@code username} with {@code password} (HTTP Basic). */
    public static ConnectProxy requiringAccount(String username, String password) {
        return start("Basic "
                + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }

    private static ConnectProxy start(String authorization) {
        try {
            ConnectProxy proxy =
                    new ConnectProxy(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), authorization);
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

    /** How many CONNECTs were answered 407 for lacking the account. */
    public int refused() {
        return refused.get();
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
            // A 407 keeps the connection, as proxies do: the client may send its account on it.
            while (authorization != null && isConnect(head) && !head.lines().anyMatch(this::carriesTheAccount)) {
                refused.incrementAndGet();
                out.write(("HTTP/1.1 407 Proxy Authentication Required\r\n"
                                + "Proxy-Authenticate: Basic realm=\"test proxy\"\r\n"
                                + "Content-Length: 0\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                head = readHead(in);
            }
            String[] requestLine = head.lines().findFirst().orElse("").split(" ");
            if (!isConnect(head)) {
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

    private static boolean isConnect(String head) {
        String[] requestLine = head.lines().findFirst().orElse("").split(" ");
        return requestLine.length >= 3 && requestLine[0].equals("CONNECT") && requestLine[1].contains(":");
    }

    private boolean carriesTheAccount(String headerLine) {
        int colon = headerLine.indexOf(':');
        return colon > 0
                && headerLine.substring(0, colon).trim().equalsIgnoreCase("Proxy-Authorization")
                && headerLine.substring(colon + 1).trim().equals(authorization);
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
