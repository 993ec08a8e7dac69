#!/usr/bin/env python3
"""Cut the tile benchmark's tiles with PostGIS ST_AsMVT, the comparator for koers' vector tiles.

Reads the tiles to cut (one "z/x/y" per line) from --tiles, loads the movements into a
throw-away PostgreSQL + PostGIS cluster as run_postgis.py does (once), keeps their origins as
Web Mercator points in a table with a GiST index, clustered on it, and cuts every tile the
way koers does: a tile with at most 4,096 origins carries them one by one, a fuller tile
carries one point per occupied cell of a 128 x 128 grid with the number of origins
(`aantal`), layer `punten`, extent 4096. Prints one JSON line per tile: median milliseconds
over --runs (after a warm-up), features and points (sum of `aantal`) in the tile, its bytes.

Set-up as in run_postgis.py (Debian's postgresql and postgresql-15-postgis-3; psycopg and
pyarrow in the Python that runs this). `koers bench --tiles --compare PYTHON` runs it.
"""
import argparse, json, os, statistics, time
import psycopg

from run_postgis import ensure_server, load, HERE

MAX_POINTS = 4096
GRID = 128

COUNT = "SELECT count(*) FROM origins WHERE geom && ST_TileEnvelope(%(z)s, %(x)s, %(y)s)"

POINTS = """
WITH e AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env),
q AS (SELECT ST_AsMVTGeom(o.geom, e.env, 4096, 0, false) AS geom, 1 AS aantal
      FROM origins o, e WHERE o.geom && e.env)
SELECT ST_AsMVT(q, 'punten', 4096, 'geom'), count(*), coalesce(sum(aantal), 0) FROM q
"""

CELLS = f"""
WITH e AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env),
b AS (SELECT env, ST_XMin(env) AS x0, ST_YMax(env) AS y1,
             (ST_XMax(env) - ST_XMin(env)) / {GRID} AS w FROM e),
c AS (SELECT least(floor((ST_X(o.geom) - b.x0) / b.w)::int, {GRID - 1}) AS cx,
             least(floor((b.y1 - ST_Y(o.geom)) / b.w)::int, {GRID - 1}) AS cy
      FROM origins o, b WHERE o.geom && b.env),
g AS (SELECT cx, cy, count(*) AS aantal FROM c GROUP BY cx, cy),
q AS (SELECT ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(b.x0 + (g.cx + 0.5) * b.w,
                                                  b.y1 - (g.cy + 0.5) * b.w), 3857),
                          b.env, 4096, 0, false) AS geom, g.aantal
      FROM g, b)
SELECT ST_AsMVT(q, 'punten', 4096, 'geom'), count(*), coalesce(sum(aantal), 0) FROM q
"""


def prepare(con):
    have = con.execute("SELECT to_regclass('origins') IS NOT NULL").fetchone()[0]
    if have:
        return
    con.execute("CREATE TABLE origins AS SELECT ST_Transform(ST_SetSRID(ST_MakePoint(origin_lon, origin_lat), 4326), 3857)"
                " AS geom FROM movements WHERE origin_lon IS NOT NULL AND origin_lat IS NOT NULL")
    con.execute("CREATE INDEX origins_geom ON origins USING gist (geom)")
    con.execute("CLUSTER origins USING origins_geom")
    con.execute("ANALYZE origins")


def cut(con, t):
    n = con.execute(COUNT, t).fetchone()[0]
    return con.execute(POINTS if n <= MAX_POINTS else CELLS, t).fetchone()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="bench-data")
    ap.add_argument("--geo", default=os.path.join(HERE, "..", "data", "nl"))
    ap.add_argument("--pgdata", default="/tmp/koers-bench-pgdata")
    ap.add_argument("--port", type=int, default=54339)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tiles", required=True, help="a file with one z/x/y per line")
    a = ap.parse_args()
    tiles = []
    for line in open(a.tiles):
        if line.strip():
            z, x, y = (int(v) for v in line.strip().split("/"))
            tiles.append({"z": z, "x": x, "y": y})
    dsn = ensure_server(a.pgdata, a.port)
    with psycopg.connect(dsn, autocommit=True) as con:
        load(con, a.data, a.geo)
        prepare(con)
        ver = con.execute("SELECT current_setting('server_version') || ' / PostGIS ' || postgis_lib_version()").fetchone()[0]
        for t in tiles:
            tile, features, points = cut(con, t)
            times = []
            for _ in range(max(a.runs, 1)):
                t0 = time.perf_counter()
                cut(con, t)
                times.append((time.perf_counter() - t0) * 1000)
            print(json.dumps({"engine": f"postgresql {ver}", **t, "ms": round(statistics.median(times), 4),
                              "features": features, "points": int(points), "bytes": len(tile or b"")}), flush=True)


if __name__ == "__main__":
    main()
