package io.georeg.router.outage;

/**
 * What a token request authenticates with, as the outage shield learns and checks it: a user name
 * and password ({@link Credentials}: HTTP Basic or an OAuth2 password grant; anonymous too), or a
 * refresh token ({@link RefreshToken}: an OAuth2 {@code grant_type=refresh_token}, docker's
 * identity token). Each is stored as a row of {@code outage_credentials} with the pull grants the
 * primary gave it ({@link OutageGrants}).
 */
public sealed interface Authentication permits Credentials, RefreshToken {}
