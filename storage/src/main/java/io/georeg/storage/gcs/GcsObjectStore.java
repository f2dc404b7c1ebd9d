package io.georeg.storage.gcs;

import com.google.api.gax.retrying.RetrySettings;
import com.google.auth.ServiceAccountSigner;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.cloud.ReadChannel;
import com.google.cloud.ServiceOptions;
import com.google.cloud.WriteChannel;
import com.google.cloud.http.HttpTransportOptions;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import io.georeg.storage.CallBounds;
import io.georeg.storage.DistributionLayout;
import io.georeg.storage.KeyPrefix;
import io.georeg.storage.ObjectKey;
import io.georeg.storage.ObjectNotFoundException;
import io.georeg.storage.ObjectStore;
import io.georeg.storage.StorageConfig;
import io.georeg.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Objects in a Google Cloud Storage bucket, below an optional name prefix.
 *
 * <p>Atomic commit: a streamed write is a resumable upload to a temporary object below
 * {@code docker/registry/v2/georeg-uploads/}, then a server-side copy to the final name and a
 * delete of the temporary object ({@link GcsPendingWrite}). Uploading straight to the final name
 * would also be atomic on GCS (an object appears only when its upload is finalized), but the
 * client library's local test helper shows an object from the moment its upload starts, so the
 * conformance suite could not check the contract; the temporary name costs one metadata-only
 * rewrite per blob and gives crashed uploads a prefix that a lifecycle rule can clean.
 *
 * <p>Pre-signed GETs are V4 signed URLs; they need credentials that can sign
 * ({@link ServiceAccountSigner}: a service account key, or a service account with signBlob
 * permission). With other credentials (e.g. end-user application default credentials)
 * {@link #presignedGet} is empty and blob GETs are served through registry-read.
 */
public final class GcsObjectStore implements ObjectStore {
    private static final Pattern TEMPORARY_NAME =
            Pattern.compile(Pattern.quote(DistributionLayout.uploads().value()) + "/(\\d{1,18})-[0-9a-f-]{36}");

    /**
     * No further attempt starts after this long since the call began ({@link CallBounds} bounds
     * the rest). It does not cut an attempt under way: a slow but progressing chunk of an upload
     * is bounded by the read timeout alone.
     */
    static final Duration TOTAL_TIMEOUT = Duration.ofSeconds(10);

    private final Storage storage;
    private final Storage probeStorage;
    private final String bucket;
    private final KeyPrefix prefix;
    private final int chunkSize;

    /**
     * Takes ownership of {@code storage}: {@link #close()} closes it. The health probe uses a
     * client of the same options in one attempt, so it answers within {@code health.budget}
     * however the given client retries.
     */
    public GcsObjectStore(Storage storage, String bucket, KeyPrefix prefix, int chunkSize) {
        this.storage = Objects.requireNonNull(storage, "storage");
        this.probeStorage = storage.getOptions().toBuilder()
                .setRetrySettings(ServiceOptions.getNoRetrySettings())
                .build()
                .getService();
        this.bucket = Objects.requireNonNull(bucket, "bucket");
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        if (chunkSize <= 0 || chunkSize % StorageConfig.Gcs.CHUNK_GRANULARITY != 0) {
            throw new IllegalArgumentException("chunk size must be a positive multiple of 256 KiB, got " + chunkSize);
        }
        this.chunkSize = chunkSize;
    }

    /** Builds the client from a validated configuration. */
    public static GcsObjectStore open(StorageConfig.Gcs config) {
        config.validate();
        return new GcsObjectStore(
                options(config).build().getService(),
                config.bucket(),
                KeyPrefix.of(config.prefix()),
                config.effectiveChunkSize());
    }

    /** The client's options for {@code config}, with {@link #boundedRetries}. */
    static StorageOptions.Builder options(StorageConfig.Gcs config) {
        StorageOptions.Builder options = boundedRetries(StorageOptions.newBuilder());
        if (config.projectId() != null && !config.projectId().isBlank()) {
            options.setProjectId(config.projectId());
        }
        if (config.credentialsFile() != null) {
            try (InputStream in = Files.newInputStream(config.credentialsFile())) {
                options.setCredentials(GoogleCredentials.fromStream(in));
            } catch (IOException e) {
                throw new StorageException(
                        "storage.gcs.credentialsFile " + config.credentialsFile()
                                + " could not be read as a service account key: " + e.getMessage(),
                        e);
            }
        }
        if (config.endpoint() != null) {
            options.setHost(config.endpoint().toString());
        }
        return options;
    }

    /**
     * Bounds each call: at most {@link CallBounds#MAX_ATTEMPTS} attempts, none begun after
     * {@link #TOTAL_TIMEOUT}, so a call against an endpoint that refuses connections or answers
     * errors fails in about 2 s, and one that accepts no connection in about 8 s.
     */
    static StorageOptions.Builder boundedRetries(StorageOptions.Builder options) {
        return options.setRetrySettings(RetrySettings.newBuilder()
                        .setMaxAttempts(CallBounds.MAX_ATTEMPTS)
                        .setTotalTimeoutDuration(TOTAL_TIMEOUT)
                        .setInitialRetryDelayDuration(CallBounds.BACKOFF_BASE)
                        .setRetryDelayMultiplier(2.0)
                        .setMaxRetryDelayDuration(CallBounds.BACKOFF_MAX)
                        .build())
                .setTransportOptions(HttpTransportOptions.newBuilder()
                        .setConnectTimeout((int) CallBounds.CONNECT_TIMEOUT.toMillis())
                        .setReadTimeout((int) CallBounds.READ_TIMEOUT.toMillis())
                        .build());
    }

    /**
     * {@inheritDoc} Here: a listing of at most one object below the prefix. The client reads a
     * 404 of an object's metadata as "no such object" even when the bucket is what is missing,
     * so a stat would pass a deleted or misspelt bucket as healthy and empty; a listing of a
     * missing bucket fails with 404, and with 403 where the credentials may not list it.
     */
    @Override
    public void probe() {
        try {
            probeStorage.list(
                    bucket, Storage.BlobListOption.prefix(prefix.remoteRoot()), Storage.BlobListOption.pageSize(1));
        } catch (com.google.cloud.storage.StorageException e) {
            throw new StorageException(
                    "gcs listing of gs://" + bucket + "/" + prefix.remoteRoot() + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<Long> size(ObjectKey key) {
        try {
            Blob blob = storage.get(id(key));
            return blob == null ? Optional.empty() : Optional.of(blob.getSize());
        } catch (com.google.cloud.storage.StorageException e) {
            throw failed("stat", key, e);
        }
    }

    /** {@inheritDoc} A range that starts at or after the end of the object reads as empty. */
    @Override
    public InputStream read(ObjectKey key, long offset, long length) {
        if (offset < 0 || length < -1) {
            throw new IllegalArgumentException("invalid range: offset " + offset + ", length " + length);
        }
        try {
            // One metadata call first: a reader is lazy and would report a missing object only
            // at its first read, after the caller committed to an answer.
            Blob blob = storage.get(id(key));
            if (blob == null) {
                throw new ObjectNotFoundException(key);
            }
            if (length == 0 || offset >= blob.getSize()) {
                return InputStream.nullInputStream();
            }
            ReadChannel reader = storage.reader(id(key));
            reader.seek(offset);
            if (length > 0) {
                reader.limit(Math.min(blob.getSize(), offset + length));
            }
            return Channels.newInputStream(reader);
        } catch (com.google.cloud.storage.StorageException | IOException e) {
            throw failed("read", key, e);
        }
    }

    @Override
    public void writeSmall(ObjectKey key, byte[] content) {
        try {
            storage.create(BlobInfo.newBuilder(id(key)).build(), content);
        } catch (com.google.cloud.storage.StorageException e) {
            throw failed("write", key, e);
        }
    }

    @Override
    public PendingWrite beginWrite(ObjectKey finalKey) {
        try {
            BlobId temp = id(temporaryKey(Instant.now()));
            WriteChannel writer = storage.writer(BlobInfo.newBuilder(temp)
                    .setContentType("application/octet-stream")
                    .build());
            writer.setChunkSize(chunkSize);
            return new GcsPendingWrite(storage, writer, temp, id(finalKey), finalKey);
        } catch (com.google.cloud.storage.StorageException e) {
            throw failed("begin write", finalKey, e);
        }
    }

    /**
     * {@inheritDoc} Here: temporary objects below {@link DistributionLayout#uploads()} of writes
     * begun before the cutoff, as their names say (see {@link #temporaryKey}); a process killed
     * between finalizing its upload and deleting the temporary object leaves one. An upload never
     * finalized is no object at all; GCS discards its session after a week.
     */
    @Override
    public int removeAbandonedWrites(Instant startedBefore) {
        int removed = 0;
        try {
            for (Blob blob : storage.list(
                            bucket, Storage.BlobListOption.prefix(prefix.remoteBelow(DistributionLayout.uploads())))
                    .iterateAll()) {
                Optional<Instant> begun = prefix.key(blob.getName()).flatMap(GcsObjectStore::writeBegunAt);
                if (begun.isPresent() && begun.get().isBefore(startedBefore) && storage.delete(blob.getBlobId())) {
                    removed++;
                }
            }
        } catch (com.google.cloud.storage.StorageException e) {
            throw failed("remove abandoned writes below", DistributionLayout.uploads(), e);
        }
        return removed;
    }

    /**
     * The temporary key of a write begun at {@code begun}: its name starts with the time in
     * milliseconds, so that leftovers are told by name, whatever the object's metadata says.
     */
    static ObjectKey temporaryKey(Instant begun) {
        return DistributionLayout.upload(begun.toEpochMilli() + "-" + UUID.randomUUID());
    }

    /** When the write of a temporary key began; empty for names not made by {@link #temporaryKey}. */
    private static Optional<Instant> writeBegunAt(ObjectKey temporary) {
        Matcher m = TEMPORARY_NAME.matcher(temporary.value());
        return m.matches() ? Optional.of(Instant.ofEpochMilli(Long.parseLong(m.group(1)))) : Optional.empty();
    }

    @Override
    public void delete(ObjectKey key) {
        try {
            storage.delete(id(key));
        } catch (com.google.cloud.storage.StorageException e) {
            throw failed("delete", key, e);
        }
    }

    @Override
    public List<ObjectKey> list(ObjectKey below) {
        List<ObjectKey> keys = new ArrayList<>();
        try {
            for (Blob blob : storage.list(bucket, Storage.BlobListOption.prefix(prefix.remoteBelow(below)))
                    .iterateAll()) {
                prefix.key(blob.getName()).ifPresent(keys::add);
            }
        } catch (com.google.cloud.storage.StorageException e) {
            throw failed("list", below, e);
        }
        keys.sort((a, b) -> a.value().compareTo(b.value()));
        return keys;
    }

    @Override
    public Optional<URI> presignedGet(ObjectKey key, Duration ttl) {
        if (!(storage.getOptions().getCredentials() instanceof ServiceAccountSigner)) {
            return Optional.empty();
        }
        try {
            return Optional.of(storage.signUrl(
                            BlobInfo.newBuilder(id(key)).build(),
                            ttl.toSeconds(),
                            TimeUnit.SECONDS,
                            Storage.SignUrlOption.withV4Signature())
                    .toURI());
        } catch (ServiceAccountSigner.SigningException | com.google.cloud.storage.StorageException e) {
            throw failed("presign", key, e);
        } catch (URISyntaxException e) {
            throw new StorageException("signed URL of " + key + " is not a URI: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try (Storage probe = probeStorage) {
            storage.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("interrupted while closing the GCS client", e);
        } catch (Exception e) {
            throw new StorageException("closing the GCS client failed: " + e.getMessage(), e);
        }
    }

    private BlobId id(ObjectKey key) {
        return BlobId.of(bucket, prefix.remote(key));
    }

    private StorageException failed(String operation, ObjectKey key, Exception e) {
        return new StorageException(
                "gcs " + operation + " of gs://" + bucket + "/" + prefix.remote(key) + " failed: " + e.getMessage(), e);
    }
}
