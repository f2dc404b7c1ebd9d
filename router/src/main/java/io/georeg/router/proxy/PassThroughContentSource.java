package io.georeg.router.proxy;

import org.eclipse.jetty.io.Content;

/**
 * A client→proxy body handed on as the proxy→server content chunk for chunk, each chunk of data
 * shown to {@link #onData} on its way: the one shape of the router's body wrappers, which look at
 * what passes ({@link CopyingContentSource}) or stop it ({@link LimitedContentSource}) but never
 * hold or reshape it. The end of the body ({@code null}) and failure chunks pass untouched;
 * demand, failure and length are the wrapped source's. (Jetty 12's {@code ContentSourceTransformer}
 * is for bodies that change on the way, with its own demand and state: more than a look needs.)
 */
abstract class PassThroughContentSource implements Content.Source {
    private final Content.Source source;

    PassThroughContentSource(Content.Source source) {
        this.source = source;
    }

    @Override
    public final Content.Chunk read() {
        Content.Chunk chunk = source.read();
        if (chunk == null || Content.Chunk.isFailure(chunk)) {
            return chunk;
        }
        return onData(chunk);
    }

    /**
     * What the reader gets for a chunk of data (possibly empty, possibly the last): the chunk
     * itself, or a failure chunk in its place after releasing it and failing this source.
     */
    protected abstract Content.Chunk onData(Content.Chunk chunk);

    @Override
    public final void demand(Runnable demandCallback) {
        source.demand(demandCallback);
    }

    @Override
    public final void fail(Throwable failure) {
        source.fail(failure);
    }

    @Override
    public final long getLength() {
        return source.getLength();
    }
}
