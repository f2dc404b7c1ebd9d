package io.georeg.app.e2e;

import io.georeg.replicator.primary.PrimaryKind;
import org.junit.jupiter.api.BeforeAll;

/**
 * Jib ({@link JibClientTests}) through the router with GitLab's container registry as the primary,
 * configured as {@link GitLabPrimaryClientIT}'s: the user's token must cover both repositories of
 * the cross-repository mount (Jib asks for pull on the base's and push on its own), and the pushed
 * image is replicated from GitLab's notification with the group deploy token.
 */
class GitLabPrimaryJibClientIT extends JibClientTests {
    @BeforeAll
    static void startSites() throws Exception {
        start(
                PrimaryKind.GITLAB,
                TwoSites.GITLAB_GROUP,
                GitLabPrimaryJibClientIT.class,
                GitLabPrimaryClientIT.PRIMARY,
                GitLabPrimaryClientIT.AUTH);
    }
}
