package io.georeg.router.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {
    private static final URI OLD = URI.create("http://old-primary.invalid:5000");
    private static final URI PROMOTED = URI.create("http://promoted.invalid:5000");

    @Test
    void opensAfterConsecutiveFailuresAndClosesOnSuccess() {
        CircuitBreaker circuit = new CircuitBreaker("primary", 3);
        circuit.recordFailure("a");
        circuit.recordFailure("b");
        assertThat(circuit.isOpen()).isFalse();
        circuit.recordFailure("c");
        assertThat(circuit.isOpen()).isTrue();
        assertThat(circuit.lastFailure()).isEqualTo("c");
        circuit.recordSuccess();
        assertThat(circuit.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void aSuccessInBetweenResetsTheCount() {
        CircuitBreaker circuit = new CircuitBreaker("primary", 2);
        circuit.recordFailure("a");
        circuit.recordSuccess();
        circuit.recordFailure("b");
        assertThat(circuit.isOpen()).isFalse();
    }

    @Test
    void tripOpensAtOnce() {
        CircuitBreaker circuit = new CircuitBreaker("primary", 5);
        circuit.trip("connect refused");
        assertThat(circuit.isOpen()).isTrue();
    }

    @Test
    void failuresOfTheOriginBeforeASwitchDoNotOpenTheCircuit() {
        CircuitBreaker circuit = new CircuitBreaker("primary", OLD, 2);
        circuit.switchTo(PROMOTED);

        circuit.recordFailure(OLD, "late connect failure of the old primary");
        circuit.recordFailure(OLD, "late probe failure of the old primary");

        assertThat(circuit.isOpen()).isFalse();
        assertThat(circuit.lastFailure()).isEmpty();
    }

    @Test
    void aSuccessOfTheOriginBeforeASwitchDoesNotCloseTheCircuit() {
        CircuitBreaker circuit = new CircuitBreaker("primary", OLD, 1);
        circuit.switchTo(PROMOTED);
        circuit.recordFailure(PROMOTED, "connection refused");

        circuit.recordSuccess(OLD);

        assertThat(circuit.isOpen())
                .as("the old primary's late answer says nothing about the new one")
                .isTrue();
        assertThat(circuit.lastFailure()).isEqualTo("connection refused");
    }

    @Test
    void outcomesOfTheOriginItGuardsNowCount() {
        CircuitBreaker circuit = new CircuitBreaker("primary", OLD, 2);
        circuit.switchTo(PROMOTED);

        circuit.recordFailure(PROMOTED, "a");
        circuit.recordFailure(PROMOTED, "b");
        assertThat(circuit.isOpen()).isTrue();
        circuit.recordSuccess(PROMOTED);
        assertThat(circuit.isOpen()).isFalse();
    }

    @Test
    void aCircuitWithoutAnOriginCountsTheOutcomesOfAny() {
        CircuitBreaker circuit = new CircuitBreaker("replica", 1);

        circuit.recordFailure(OLD, "a");

        assertThat(circuit.isOpen()).isTrue();
    }
}
