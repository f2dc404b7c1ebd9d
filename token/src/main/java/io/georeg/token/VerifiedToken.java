package io.georeg.token;

import java.time.Instant;
import java.util.Set;

/**
 * What a verified token grants: its subject, when it stops being valid (exp plus the clock
 * skew), and its {@code access} claim flattened to {@code type:name:action} strings so that a
 * check is one set lookup. A granted action {@code *} covers every action, as distribution's
 * {@code actionSet.contains} does.
 */
public record VerifiedToken(String subject, Instant validUntil, Set<String> grants) {

    public boolean allows(AccessRequest access) {
        String resource = access.type() + ":" + access.name() + ":";
        return grants.contains(resource + access.action()) || grants.contains(resource + "*");
    }
}
