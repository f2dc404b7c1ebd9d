package io.georeg.storage.s3;

import java.io.FilterInputStream;
import java.io.IOException;
import software.amazon.awssdk.core.ResponseInputStream;

/**
 * A GetObject body that a reader may close early (a client that disconnects halfway through a
 * multi-GB layer): the HTTP connection is aborted instead of drained to the end of the range,
 * which is what closing the SDK's stream would otherwise do to keep the connection reusable.
 */
final class AbortOnCloseInputStream extends FilterInputStream {
    private final ResponseInputStream<?> response;
    private boolean eof;

    AbortOnCloseInputStream(ResponseInputStream<?> response) {
        super(response);
        this.response = response;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        eof |= b < 0;
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        eof |= n < 0;
        return n;
    }

    @Override
    public void close() throws IOException {
        if (!eof) {
            response.abort();
        }
        super.close();
    }
}
