package io.georeg.replicator.testing;

import io.georeg.db.Database;
import io.georeg.db.DatabaseConfig;
import io.georeg.replica.DatabaseReplicaReader;
import io.georeg.replica.DatabaseReplicaWriter;
import io.georeg.replica.ReplicaReadOptions;
import io.georeg.replicator.Replicator;
import io.georeg.replicator.ReplicatorConfig;
import io.georeg.replicator.intake.IntakeConfig;
import io.georeg.replicator.primary.PrimaryConfig;
import io.georeg.replicator.queue.WorkerConfig;
import io.georeg.storage.BlobStore;
import io.georeg.storage.BlobStores;
import io.georeg.storage.StorageConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * A replicator's workers in a process of their own, so a test can {@code kill -9} it mid-copy.
 * Arguments: jdbcUrl user password storageRoot primaryUrl bytesPerSecond. Runs until killed.
 */
public final class WorkerProcessMain {
    private WorkerProcessMain() {}

    public static void main(String[] args) throws Exception {
        Database database = new Database(DatabaseConfig.of(args[0], args[1], args[2])).start();
        BlobStore blobs = BlobStores.open(new StorageConfig.Filesystem(Path.of(args[3])));
        ReplicatorConfig config = ReplicatorConfig.of(
                        IntakeConfig.withSecret(ReplicatorUnderTest.SECRET),
                        PrimaryConfig.anonymous(URI.create(args[4])))
                .withWorkers(WorkerConfig.defaults().withConcurrency(2).withLease(Duration.ofSeconds(3)))
                .withMaxBytesPerSecond(Long.parseLong(args[5]));
        Replicator replicator = new Replicator(
                config,
                database,
                new DatabaseReplicaReader(database, blobs, ReplicaReadOptions.streamOnly()),
                new DatabaseReplicaWriter(database, blobs));
        replicator.start();
        System.out.println("worker process started as " + replicator.owner());
        new CountDownLatch(1).await();
    }
}
