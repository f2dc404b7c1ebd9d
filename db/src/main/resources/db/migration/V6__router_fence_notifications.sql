-- Change notifications for the router's in-memory view of read-your-writes fences (FenceView):
-- every insert, update or delete of a router_fences row sends
-- pg_notify('georeg_router_fences', <repository>) in the changing transaction, so it is
-- delivered exactly when the change commits (never on rollback), whoever writes (any router
-- instance, the expiry sweep, an operator). A router reloads that repository's fences on each
-- notification and queries the table directly while its LISTEN connection is down.
CREATE FUNCTION georeg_notify_router_fence_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('georeg_router_fences', CASE WHEN TG_OP = 'DELETE' THEN OLD.repository ELSE NEW.repository END);
    RETURN NULL;
END;
$$;

CREATE TRIGGER router_fences_notify_change
    AFTER INSERT OR UPDATE OR DELETE ON router_fences
    FOR EACH ROW EXECUTE FUNCTION georeg_notify_router_fence_change();
