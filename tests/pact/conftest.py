from tests.api.conftest import actors, app, client, database, live_server, settings, worker_id  # noqa: F401  (fixtures)
from tests.footprint.conftest import mini_bom, mini_snapshot, mini_snapshot_and_home  # noqa: F401  (fixtures)
