package io.georeg.storage.s3;

import io.georeg.storage.CallBounds;
import io.georeg.storage.KeyPrefix;
import io.georeg.storage.ObjectKey;
import io.georeg.storage.ObjectNotFoundException;
import io.georeg.storage.ObjectStore;
import io.georeg.storage.StorageConfig;
import io.georeg.storage.StorageException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Objects in an S3 bucket (AWS or any S3-compatible server), below an optional key prefix. Small
 * writes are one PutObject; streamed writes ({@link S3PendingWrite}) buffer at most one part and
 * switch to a multipart upload when the object outgrows it, so the multipart "complete" is the
 * atomic commit and "abort" discards every part. Pre-signed GETs use SigV4 query signing.
 *
 * <p>Created by {@link io.georeg.storage.BlobStores#open} from {@link StorageConfig.S3}.
 */
public final class S3ObjectStore implements ObjectStore {
    /** Wait for a pooled connection while all 64 are in use. */
    static final Duration ACQUIRE_TIMEOUT = Duration.ofSeconds(10);

    private final SdkHttpClient http;
    private final S3Client client;
    private final S3Client probeClient;
    private final S3Presigner presigner;
    private final String bucket;
    private final KeyPrefix prefix;
    private final int partSize;

    /**
     * Takes ownership of the clients: {@link #close()} closes them. {@code probeClient} answers
     * {@link #probe()} only, in one attempt; both use {@code http}.
     */
    S3ObjectStore(
            SdkHttpClient http,
            S3Client client,
            S3Client probeClient,
            S3Presigner presigner,
            String bucket,
            KeyPrefix prefix,
            int partSize) {
        this.http = Objects.requireNonNull(http, "http");
        this.client = Objects.requireNonNull(client, "client");
        this.probeClient = Objects.requireNonNull(probeClient, "probeClient");
        this.presigner = Objects.requireNonNull(presigner, "presigner");
        this.bucket = Objects.requireNonNull(bucket, "bucket");
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        if (partSize < StorageConfig.S3.MIN_PART_SIZE) {
            throw new IllegalArgumentException("part size must be at least 5 MiB, got " + partSize);
        }
        this.partSize = partSize;
    }

    /** Builds the SDK client and presigner from a validated configuration. */
    public static S3ObjectStore open(StorageConfig.S3 config) {
        config.validate();
        AwsCredentialsProvider credentials =
                config.accessKeyId() == null || config.accessKeyId().isBlank()
                        ? DefaultCredentialsProvider.create()
                        : StaticCredentialsProvider.create(
                                AwsBasicCredentials.create(config.accessKeyId(), config.secretAccessKey()));
        S3Configuration s3 = S3Configuration.builder()
                .pathStyleAccessEnabled(config.pathStyle())
                .build();
        Region region = Region.of(config.region());
        SdkHttpClient http = ApacheHttpClient.builder()
                .maxConnections(64)
                .connectionTimeout(CallBounds.CONNECT_TIMEOUT)
                .socketTimeout(CallBounds.READ_TIMEOUT)
                .connectionAcquisitionTimeout(ACQUIRE_TIMEOUT)
                .build();
        S3ClientBuilder clientBuilder = clientBuilder(region, credentials, s3, http)
                .overrideConfiguration(o -> o.retryStrategy(boundedRetries()));
        // The probe must answer within health.budget: one attempt, the next probe is the retry.
        S3ClientBuilder probeBuilder = clientBuilder(region, credentials, s3, http)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));
        S3Presigner.Builder presignerBuilder = S3Presigner.builder()
                .region(region)
                .credentialsProvider(credentials)
                .serviceConfiguration(s3);
        if (config.endpoint() != null) {
            clientBuilder.endpointOverride(config.endpoint());
            probeBuilder.endpointOverride(config.endpoint());
            presignerBuilder.endpointOverride(config.endpoint());
        }
        return new S3ObjectStore(
                http,
                clientBuilder.build(),
                probeBuilder.build(),
                presignerBuilder.build(),
                config.bucket(),
                KeyPrefix.of(config.prefix()),
                config.effectivePartSize());
    }

    private static S3ClientBuilder clientBuilder(
            Region region, AwsCredentialsProvider credentials, S3Configuration s3, SdkHttpClient http) {
        return S3Client.builder()
                .region(region)
                .credentialsProvider(credentials)
                .serviceConfiguration(s3)
                // SDK 2.30+ adds CRC checksums to every request and expects them in answers by
                // default; S3-compatible servers that predate them refuse such requests. Content is
                // verified by digest anyway, so checksums only where the API requires them.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                // Shared by both clients and closed by close(): the SDK leaves a given client open.
                .httpClient(http);
    }

    /**
     * At most {@link CallBounds#MAX_ATTEMPTS} attempts with short backoffs, for throttling answers
     * (SlowDown, 503) too, so a call against a store that refuses connections or answers errors
     * fails in about 2 s (at most {@code (MAX_ATTEMPTS - 1) * BACKOFF_MAX} of waits plus the
     * attempts). No total time per call: it would cut a slow but progressing upload of a part.
     */
    static RetryStrategy boundedRetries() {
        BackoffStrategy backoff = BackoffStrategy.exponentialDelay(CallBounds.BACKOFF_BASE, CallBounds.BACKOFF_MAX);
        return AwsRetryStrategy.standardRetryStrategy().toBuilder()
                .maxAttempts(CallBounds.MAX_ATTEMPTS)
                .backoffStrategy(backoff)
                .throttlingBackoffStrategy(backoff)
                .build();
    }

    /**
     * {@inheritDoc} Here: a listing of at most one key below the prefix. A HEAD of a missing key
     * in a missing bucket is a bare 404, which reads as "absent": a deleted or misspelt bucket
     * would pass for a healthy, empty one (ready, serving nothing). The listing answers
     * {@code NoSuchBucket}, or {@code AccessDenied} where the credentials may not list it, which
     * {@link #list} and the sweep of abandoned writes need anyway.
     */
    @Override
    public void probe() {
        try {
            probeClient.listObjectsV2(
                    b -> b.bucket(bucket).prefix(prefix.remoteRoot()).maxKeys(1));
        } catch (SdkException e) {
            throw new StorageException(
                    "s3 listing of s3://" + bucket + "/" + prefix.remoteRoot() + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<Long> size(ObjectKey key) {
        try {
            HeadObjectResponse head = client.headObject(b -> b.bucket(bucket).key(prefix.remote(key)));
            return Optional.of(head.contentLength());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw failed("stat", key, e);
        } catch (SdkException e) {
            throw failed("stat", key, e);
        }
    }

    /**
     * {@inheritDoc} A range that starts at or after the end of the object reads as empty (S3
     * answers 416 there).
     */
    @Override
    public InputStream read(ObjectKey key, long offset, long length) {
        if (offset < 0 || length < -1) {
            throw new IllegalArgumentException("invalid range: offset " + offset + ", length " + length);
        }
        if (length == 0) {
            if (size(key).isEmpty()) {
                throw new ObjectNotFoundException(key);
            }
            return InputStream.nullInputStream();
        }
        GetObjectRequest.Builder request =
                GetObjectRequest.builder().bucket(bucket).key(prefix.remote(key));
        if (offset > 0 || length > 0) {
            request.range("bytes=" + offset + "-" + (length > 0 ? String.valueOf(offset + length - 1) : ""));
        }
        try {
            return new AbortOnCloseInputStream(client.getObject(request.build()));
        } catch (NoSuchKeyException e) {
            ObjectNotFoundException notFound = new ObjectNotFoundException(key);
            notFound.initCause(e);
            throw notFound;
        } catch (S3Exception e) {
            if (e.statusCode() == 416) {
                return InputStream.nullInputStream();
            }
            throw failed("read", key, e);
        } catch (SdkException e) {
            throw failed("read", key, e);
        }
    }

    @Override
    public void writeSmall(ObjectKey key, byte[] content) {
        try {
            client.putObject(
                    b -> b.bucket(bucket).key(prefix.remote(key)).contentLength((long) content.length),
                    RequestBody.fromBytes(content));
        } catch (SdkException e) {
            throw failed("write", key, e);
        }
    }

    @Override
    public PendingWrite beginWrite(ObjectKey finalKey) {
        return new S3PendingWrite(client, bucket, prefix.remote(finalKey), finalKey, partSize);
    }

    /**
     * {@inheritDoc} Here: incomplete multipart uploads below the store's prefix initiated before
     * the cutoff, aborted (which frees their parts). A single-part write is one PutObject and
     * leaves nothing behind.
     */
    @Override
    public int removeAbandonedWrites(Instant startedBefore) {
        int removed = 0;
        try {
            for (MultipartUpload upload : client.listMultipartUploadsPaginator(
                            b -> b.bucket(bucket).prefix(prefix.remoteRoot()))
                    .uploads()) {
                // Only uploads to names georeg writes: another tenant of the bucket keeps its own.
                if (upload.initiated().isBefore(startedBefore)
                        && prefix.key(upload.key()).isPresent()) {
                    removed += abort(upload);
                }
            }
        } catch (SdkException e) {
            throw new StorageException(
                    "s3 removal of abandoned uploads in s3://" + bucket + " failed: " + e.getMessage(), e);
        }
        return removed;
    }

    private int abort(MultipartUpload upload) {
        try {
            client.abortMultipartUpload(b -> b.bucket(bucket).key(upload.key()).uploadId(upload.uploadId()));
            return 1;
        } catch (NoSuchUploadException e) {
            return 0; // completed or aborted by its writer meanwhile
        }
    }

    @Override
    public void delete(ObjectKey key) {
        try {
            client.deleteObject(b -> b.bucket(bucket).key(prefix.remote(key)));
        } catch (SdkException e) {
            throw failed("delete", key, e);
        }
    }

    @Override
    public List<ObjectKey> list(ObjectKey below) {
        List<ObjectKey> keys = new ArrayList<>();
        try {
            for (S3Object object : client.listObjectsV2Paginator(
                            b -> b.bucket(bucket).prefix(prefix.remoteBelow(below)))
                    .contents()) {
                prefix.key(object.key()).ifPresent(keys::add);
            }
        } catch (SdkException e) {
            throw failed("list", below, e);
        }
        keys.sort((a, b) -> a.value().compareTo(b.value()));
        return keys;
    }

    @Override
    public Optional<URI> presignedGet(ObjectKey key, Duration ttl) {
        try {
            var presigned = presigner.presignGetObject(p -> p.signatureDuration(ttl)
                    .getObjectRequest(g -> g.bucket(bucket).key(prefix.remote(key))));
            return Optional.of(presigned.url().toURI());
        } catch (SdkException e) {
            throw failed("presign", key, e);
        } catch (URISyntaxException e) {
            throw new StorageException("presigned URL of " + key + " is not a URI: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        presigner.close();
        probeClient.close();
        client.close();
        http.close();
    }

    private StorageException failed(String operation, ObjectKey key, Exception e) {
        return new StorageException(
                "s3 " + operation + " of s3://" + bucket + "/" + prefix.remote(key) + " failed: " + e.getMessage(), e);
    }
}
