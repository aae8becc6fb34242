"""The published Open Data Jabar files, loaded as reference statistics beside the registry."""

import io
import json

import pytest
from django.core.management import call_command

from satudata.publishedstats.comparison import compare_dataset
from satudata.publishedstats.loading import load_published_csv
from satudata.publishedstats.models import PublishedFigure
from satudata.reference.loaders import import_bps_bridge
from satudata.registry.models import Business
from satudata.submissions.tests.factories import rows_with, submit, write_csv

pytestmark = [pytest.mark.django_db, pytest.mark.shared_data]

FILES = {
    "jabar_diskuk-od_17372_proyeksi_jml_umkm_kabkota_2016_2023.csv": (216, "proyeksi_jumlah_umkm", ""),
    "jabar_diskuk-od_17371_jml_umkm_kabkota_kategori_usaha.csv": (1350, "jumlah_umkm", "kategori_usaha"),
    "jabar_diskuk-od_17367_jml_umkm_binaan_jenis_usaha_2019_2021.csv": (1215, "jumlah_umkm", "jenis_usaha"),
}


@pytest.mark.parametrize("name", list(FILES))
def test_published_file_loads_with_bps_codes_mapped(shared_data, name):
    import_bps_bridge(shared_data / "bps_kemendagri_bridge_2020")
    report = load_published_csv(shared_data / "real" / name)
    rows, measure, dimension = FILES[name]
    assert report.rows == rows
    assert report.regencies == 27
    assert report.dataset.measure == measure
    assert report.dataset.dimension == dimension
    assert report.unmapped_codes == []
    # Jawa Barat's BPS regency codes equal Kemendagri's, so the mapping is the identity with dots.
    figure = PublishedFigure.objects.filter(dataset=report.dataset, bps_code="3273").first()
    assert figure.region_code == "32.73"


def test_without_the_bridge_bps_codes_stay_unmapped(shared_data):
    report = load_published_csv(shared_data / "real" / "jabar_diskuk-od_17372_proyeksi_jml_umkm_kabkota_2016_2023.csv")
    assert len(report.unmapped_codes) == 27
    assert not PublishedFigure.objects.exclude(region_code="").exists()


def test_bridge_keeps_bps_and_kemendagri_codes_apart(shared_data):
    crosswalk = import_bps_bridge(shared_data / "bps_kemendagri_bridge_2020")
    pairs = dict(crosswalk.pairs.values_list("source_code", "target_code"))
    # BPS 1101 Simeulue is Kemendagri 11.09; BPS 91 is Papua Barat, Kemendagri 92.
    assert pairs["1101"] == "11.09"
    assert pairs["91"] == "92"


def test_registry_counts_sit_beside_published_figures(shared_data, tmp_path, producer_bandung):
    import_bps_bridge(shared_data / "bps_kemendagri_bridge_2020")
    report = load_published_csv(shared_data / "real" / "jabar_diskuk-od_17372_proyeksi_jml_umkm_kabkota_2016_2023.csv")
    rows = rows_with({"Tahun referensi": "2023"}, {"Tahun referensi": "2023"}, {"Tahun referensi": "2022"})
    submit(write_csv(tmp_path / "b.csv", rows), producer_bandung)
    comparison = {(r.region_code, r.year): r for r in compare_dataset(report.dataset, Business.objects.all())}
    assert comparison[("32.73", 2023)].registry == 2
    assert comparison[("32.73", 2022)].registry == 1
    assert comparison[("32.73", 2023)].published > 0
    assert comparison[("32.01", 2023)].registry == 0


def test_stats_command_loads_all_real_files(shared_data):
    call_command("codelist", "import-bridge", str(shared_data / "bps_kemendagri_bridge_2020"), stdout=io.StringIO())
    out = io.StringIO()
    files = [str(shared_data / "real" / name) for name in FILES]
    call_command("stats", "load", *files, "--json", stdout=out)
    reports = json.loads(out.getvalue())
    assert [r["rows"] for r in reports] == [rows for rows, _m, _d in FILES.values()]
    assert all(r["unmapped_bps_codes"] == [] for r in reports)
