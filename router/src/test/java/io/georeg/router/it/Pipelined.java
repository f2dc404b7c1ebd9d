package io.georeg.router.it;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * HTTP/1.1 pipelining on one loopback connection: every request is written at once, before any
 * answer is read, then the answers are read in order (each must carry a Content-Length). Also
 * what a keep-alive client's next request looks like when it arrives while the router's thread
 * is still finishing the last answer. A read that waits 20 s fails: a hang is bounded.
 */
final class Pipelined {
    /** One answer; header names in lower case. */
    record Answer(int status, Map<String, String> headers, byte[] body) {}

    private Pipelined() {}

    /** A GET of {@code path} with {@code headers} ("Name: value" lines), for {@link #send}. */
    static String get(String path, String... headers) {
        StringBuilder b = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (String h : headers) {
            b.append(h).append("\r\n");
        }
        return b.append("\r\n").toString();
    }

    static List<Answer> send(int port, List<String> requests) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(String.join("", requests).getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
            List<Answer> answers = new ArrayList<>();
            for (int i = 0; i < requests.size(); i++) {
                String status = line(in);
                Map<String, String> headers = new TreeMap<>();
                for (String h = line(in); !h.isEmpty(); h = line(in)) {
                    int colon = h.indexOf(':');
                    headers.put(
                            h.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                            h.substring(colon + 1).trim());
                }
                String length = headers.get("content-length");
                if (length == null) {
                    throw new IOException("answer " + i + " (" + status + ") has no Content-Length: " + headers);
                }
                byte[] body = new byte[Math.toIntExact(Long.parseLong(length))];
                in.readFully(body);
                answers.add(new Answer(Integer.parseInt(status.split(" ")[1]), headers, body));
            }
            return answers;
        }
    }

    private static String line(DataInputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new EOFException("connection closed after \"" + b + "\"");
            }
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }
}
