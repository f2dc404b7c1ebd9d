package io.georeg.router.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CircuitBreakerTest {

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
}
