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
    void whileDownActionsRunAfterEveryFailureWhileOpenNotBeforeAndNotForAForceAlone() {
        CircuitBreaker circuit = new CircuitBreaker("primary", OLD, 2);
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        circuit.whileDown(runs::incrementAndGet);
        circuit.whileDown(() -> {
            throw new IllegalStateException("a failing action stops neither the others nor the probe");
        });

        circuit.force("primary-down drill");
        circuit.recordFailure(OLD, "a");
        assertThat(runs)
                .as("one failure of two: not found down yet, forced or not")
                .hasValue(0);
        circuit.recordFailure(OLD, "b");
        circuit.recordFailure(OLD, "c");
        assertThat(runs).as("after the failure that opened it, and the next").hasValue(2);
        circuit.recordFailure(PROMOTED, "another origin's");
        circuit.recordSuccess(OLD);
        circuit.recordFailure(OLD, "d");
        assertThat(runs).hasValue(2);
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
    void aPromotedOriginStartsWithACleanCount() {
        CircuitBreaker circuit = new CircuitBreaker("primary", OLD, 3);
        circuit.recordFailure(OLD, "a");
        circuit.recordFailure(OLD, "b");

        circuit.switchTo(PROMOTED);
        circuit.recordFailure(PROMOTED, "c");

        assertThat(circuit.isOpen())
                .as("one failure of the new primary, not three: the old one's two say nothing of it")
                .isFalse();
        circuit.recordFailure(PROMOTED, "d");
        circuit.recordFailure(PROMOTED, "e");
        assertThat(circuit.isOpen()).isTrue();
    }

    @Test
    void aCircuitOpenForTheOldPrimaryIsClosedForThePromotedOne() {
        CircuitBreaker circuit = new CircuitBreaker("primary", OLD, 2);
        circuit.recordFailure(OLD, "a");
        circuit.recordFailure(OLD, "the old primary is down");

        circuit.switchTo(PROMOTED);

        assertThat(circuit.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(circuit.lastFailure())
                .as("a refused push would be told of the old primary's failure")
                .isEmpty();
        circuit.recordFailure(PROMOTED, "b");
        assertThat(circuit.isOpen()).as("the threshold counts from the switch").isFalse();
    }

    @Test
    void anOperatorsForcedOpenCircuitStaysForcedAcrossASwitch() {
        CircuitBreaker circuit = new CircuitBreaker("primary", OLD, 2);
        circuit.force("primary-down drill");

        circuit.switchTo(PROMOTED);

        assertThat(circuit.isOpen()).isTrue();
        assertThat(circuit.probedOpen()).isFalse();
        assertThat(circuit.lastFailure()).isEqualTo("primary-down drill");
    }

    @Test
    void aSwitchToTheOriginItGuardsAlreadyChangesNothing() {
        CircuitBreaker circuit = new CircuitBreaker("primary", OLD, 2);
        circuit.recordFailure(OLD, "a");

        circuit.switchTo(OLD);
        circuit.recordFailure(OLD, "b");

        assertThat(circuit.isOpen()).isTrue();
    }

    @Test
    void aCircuitWithoutAnOriginCountsTheOutcomesOfAny() {
        CircuitBreaker circuit = new CircuitBreaker("replica", 1);

        circuit.recordFailure(OLD, "a");

        assertThat(circuit.isOpen()).isTrue();
    }
}
