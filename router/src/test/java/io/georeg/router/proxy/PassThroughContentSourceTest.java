package io.georeg.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.content.ChunksContentSource;
import org.junit.jupiter.api.Test;

/** The contract the router's body wrappers share: data is shown and passed on, nothing else is touched. */
class PassThroughContentSourceTest {
    /** Remembers the data it was shown and passes every chunk on. */
    private static final class Watching extends PassThroughContentSource {
        final List<String> shown = new ArrayList<>();

        Watching(Content.Source source) {
            super(source);
        }

        @Override
        protected Content.Chunk onData(Content.Chunk chunk) {
            shown.add(
                    StandardCharsets.UTF_8.decode(chunk.getByteBuffer().slice()).toString());
            return chunk;
        }
    }

    private static Content.Chunk data(String text, boolean last) {
        return Content.Chunk.from(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), last);
    }

    @Test
    void everyChunkOfDataIsShownAndPassedOnAsTheSameChunk() {
        Content.Chunk first = data("ab", false);
        Content.Chunk last = data("cd", true);
        Watching body = new Watching(new ChunksContentSource(List.of(first, last)));

        assertThat(body.getLength()).isEqualTo(4);
        assertThat(body.read()).isSameAs(first);
        assertThat(body.read()).isSameAs(last);
        assertThat(body.shown).containsExactly("ab", "cd");
    }

    @Test
    void aFailureChunkPassesWithoutBeingShown() {
        IOException broken = new IOException("client went away");
        Watching body =
                new Watching(new ChunksContentSource(List.of(data("ab", false), Content.Chunk.from(broken, true))));

        body.read();
        Content.Chunk failure = body.read();

        assertThat(Content.Chunk.isFailure(failure)).isTrue();
        assertThat(failure.getFailure()).isSameAs(broken);
        assertThat(body.shown).containsExactly("ab");
    }

    @Test
    void failingTheWrapperFailsTheBodyItWraps() {
        ChunksContentSource source = new ChunksContentSource(List.of(data("ab", true)));
        Watching body = new Watching(source);
        IOException stop = new IOException("proxy→server leg failed");

        body.fail(stop);

        assertThat(source.read().getFailure()).isSameAs(stop);
        assertThat(body.shown).isEmpty();
    }

    @Test
    void theLimitedBodyFailsItsSourceOnceMoreThanTheLimitPassed() {
        ChunksContentSource source =
                new ChunksContentSource(List.of(data("abc", false), data("de", false), data("f", true)));
        LimitedContentSource body = new LimitedContentSource(source, 4);

        assertThat(Content.Chunk.isFailure(body.read())).isFalse();
        Content.Chunk over = body.read();

        // The rest of the body is not read: the source itself answers with the failure now.
        assertThat(over.getFailure()).isInstanceOf(LimitedContentSource.BodyTooLargeException.class);
        assertThat(source.read().getFailure()).isSameAs(over.getFailure());
    }

    @Test
    void theCopyingBodyKeepsWhatPassedAndNothingOnceItOutgrowsItsCopy() {
        CopyingContentSource small =
                new CopyingContentSource(new ChunksContentSource(List.of(data("ab", false), data("cd", true))), 4);
        small.read();
        small.read();
        assertThat(small.copy()).asString(StandardCharsets.UTF_8).isEqualTo("abcd");

        CopyingContentSource large =
                new CopyingContentSource(new ChunksContentSource(List.of(data("ab", false), data("cde", true))), 4);
        large.read();
        large.read();
        assertThat(large.copy()).isNull();
    }
}
