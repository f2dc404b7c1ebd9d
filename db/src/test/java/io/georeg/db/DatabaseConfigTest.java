package io.georeg.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DatabaseConfigTest {

    @Test
    void defaultsAreValid() {
        DatabaseConfig config = DatabaseConfig.of("jdbc:postgresql://127.0.0.1:5432/georeg", "u", "p");
        assertThat(config.validate()).isSameAs(config);
        assertThat(config.maxPoolSize()).isEqualTo(DatabaseConfig.DEFAULT_MAX_POOL_SIZE);
    }

    @Test
    void validateNamesEveryInvalidKey() {
        DatabaseConfig config = new DatabaseConfig("mysql://x", "u", "p", 0, -1, Duration.ofMillis(10), false, 0);
        assertThatThrownBy(config::validate)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("database.url")
                .hasMessageContaining("database.maxPoolSize")
                .hasMessageContaining("database.minIdle")
                .hasMessageContaining("database.connectionTimeout")
                .hasMessageContaining("database.maxTransactionAttempts");
    }

    @Test
    void toStringHidesThePassword() {
        assertThat(DatabaseConfig.of("jdbc:postgresql://h/db", "u", "s3cret").toString())
                .doesNotContain("s3cret");
    }

    @Test
    void theDisplayNameNamesTheDatabaseAndUserWithoutUrlParameters() {
        assertThat(DatabaseConfig.of("jdbc:postgresql://db:5432/georeg?password=s3cret&ssl=true", "u", "s3cret")
                        .displayName())
                .isEqualTo("jdbc:postgresql://db:5432/georeg (user u)");
    }
}
