package io.georeg.testkit.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What a test sees through a {@link TcpRelay} in front of an echo server, in each of its states. */
class TcpRelayTest {
    /** Long enough for a relayed byte to come back on a loaded machine; a held one must not within it. */
    private static final int SILENCE_MILLIS = 500;

    private ServerSocket echo;
    private final AtomicInteger accepted = new AtomicInteger();
    private TcpRelay relay;

    @BeforeEach
    void echoServerBehindARelay() throws IOException {
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    accepted.incrementAndGet();
                    Thread.ofVirtual().start(() -> {
                        try (s;
                                InputStream in = s.getInputStream();
                                OutputStream out = s.getOutputStream()) {
                            in.transferTo(out);
                        } catch (IOException e) {
                            // the relay closed it
                        }
                    });
                } catch (IOException e) {
                    return; // closed
                }
            }
        });
        relay = TcpRelay.to("127.0.0.1", echo.getLocalPort());
    }

    @AfterEach
    void close() throws IOException {
        relay.close();
        echo.close();
    }

    @Test
    void relaysBothWays() throws IOException {
        try (Socket client = connect()) {
            assertThat(roundTrip(client, 'a')).isEqualTo('a');
        }
    }

    @Test
    void aStallHoldsWhatAClientSendsAndReleasePassesItOn() throws IOException {
        try (Socket client = connect()) {
            roundTrip(client, 'a');
            relay.stall();
            client.getOutputStream().write('b');
            await().atMost(Duration.ofSeconds(10)).until(() -> relay.waiting() > 0);
            assertThatThrownBy(() -> client.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);

            relay.release();

            assertThat(client.getInputStream().read()).isEqualTo('b');
        }
    }

    @Test
    void aConnectionAcceptedDuringAStallReachesTheTargetOnlyWhenItEnds() throws IOException {
        relay.stall();
        try (Socket client = connect()) {
            client.getOutputStream().write('a');
            assertThatThrownBy(() -> client.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
            assertThat(accepted).hasValue(0);

            relay.release();

            assertThat(client.getInputStream().read()).isEqualTo('a');
            assertThat(accepted).hasValue(1);
        }
    }

    @Test
    void aCutClosesOpenAndNewConnectionsUntilRestored() throws IOException {
        try (Socket open = connect()) {
            roundTrip(open, 'a');

            relay.cut();

            assertThat(readOrEnd(open)).as("the open connection ends").isEqualTo(-1);
            try (Socket meanwhile = connect()) {
                assertThat(readOrEnd(meanwhile)).as("a new connection ends").isEqualTo(-1);
            }
        }
        relay.restore();
        try (Socket after = connect()) {
            assertThat(roundTrip(after, 'b')).isEqualTo('b');
        }
    }

    @Test
    void restoreAfterAStallClosesTheStalledConnectionsWithoutPassingOnWhatWaited() throws IOException {
        try (Socket stalled = connect()) {
            roundTrip(stalled, 'a');
            relay.stall();
            stalled.getOutputStream().write('b');
            await().atMost(Duration.ofSeconds(10)).until(() -> relay.waiting() > 0);

            relay.restore();

            assertThat(readOrEnd(stalled)).isEqualTo(-1);
        }
        try (Socket after = connect()) {
            assertThat(roundTrip(after, 'c')).isEqualTo('c');
        }
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), relay.port());
        socket.setSoTimeout(SILENCE_MILLIS);
        return socket;
    }

    /** Sends one byte and reads one back, waiting for it as long as a loaded machine may need. */
    private static int roundTrip(Socket client, char c) throws IOException {
        client.setSoTimeout(10_000);
        try {
            client.getOutputStream().write(c);
            return client.getInputStream().read();
        } finally {
            client.setSoTimeout(SILENCE_MILLIS);
        }
    }

    /** The next byte, or -1 when the connection ended (closed or reset by the relay). */
    private static int readOrEnd(Socket client) throws IOException {
        client.setSoTimeout(10_000);
        try {
            return client.getInputStream().read();
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException reset) {
            return -1;
        }
    }
}
