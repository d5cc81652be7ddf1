"""Rebuild provinces.geojson from the Natural Earth admin-1 extract shipped (Apache-2.0) in the npm
package @superset-ui/legacy-plugin-chart-country-map 0.20.3 (lib/countries/indonesia.geojson):

    npm pack @superset-ui/legacy-plugin-chart-country-map@0.20.3
    tar xzf superset-ui-legacy-plugin-chart-country-map-0.20.3.tgz package/lib/countries/indonesia.geojson
    python static/portal/boundaries/build.py package/lib/countries/indonesia.geojson

Each feature gets the BPS/Kemendagri province code(s) of static/portal/regions/index.json. The
source predates Kalimantan Utara (2012) and the Papua splits (2022): such a polygon carries every
current province it covers in ``codes`` (the map then leaves the choice to the citizen).
Coordinates are rounded to 4 decimals (≈ 11 m), enough for a base layer.
"""
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ISO_TO_CODES = {
    "AC": ["11"], "SU": ["12"], "SB": ["13"], "RI": ["14"], "JA": ["15"], "SS": ["16"], "BE": ["17"],
    "LA": ["18"], "BB": ["19"], "KR": ["21"], "JK": ["31"], "JB": ["32"], "JT": ["33"], "YO": ["34"],
    "JI": ["35"], "BT": ["36"], "BA": ["51"], "NB": ["52"], "NT": ["53"], "KB": ["61"], "KT": ["62"],
    "KS": ["63"], "KI": ["64", "65"], "SA": ["71"], "ST": ["72"], "SN": ["73"], "SG": ["74"],
    "GO": ["75"], "SR": ["76"], "MA": ["81"], "MU": ["82"],
    "PA": ["91", "93", "94", "95"], "PB": ["92", "96"],
}


def rounded(coords):
    if isinstance(coords[0], (int, float)):
        return [round(coords[0], 4), round(coords[1], 4)]
    return [rounded(c) for c in coords]


def main(source: str) -> None:
    names = {code: name for code, name, _r in json.loads((HERE.parent / "regions" / "index.json").read_text())}
    features = []
    for feature in json.loads(Path(source).read_text())["features"]:
        codes = ISO_TO_CODES[feature["properties"]["ISO"].split("-")[1]]
        geometry = feature["geometry"]
        features.append({"type": "Feature",
                         "properties": {"code": codes[0], "codes": codes,
                                        "name": " / ".join(names[c] for c in codes)},
                         "geometry": {"type": geometry["type"], "coordinates": rounded(geometry["coordinates"])}})
    features.sort(key=lambda f: f["properties"]["code"])
    out = {"type": "FeatureCollection", "features": features}
    (HERE / "provinces.geojson").write_text(json.dumps(out, separators=(",", ":"), ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
