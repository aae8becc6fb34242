"""A linkage model and rows for tests: the model is trained on labelled synthetic records.

A registry built in a test is too small to train on; this model has learnt from a labelled set
of the same kind of variation (Nur Haliza / Nurhaliza, Jl. / Jalan, a mistyped NIK block, …).
"""

from satudata.linkage.features import comparison_records
from satudata.linkage.model import TrainedModel, train
from satudata.security.keyring import new_keyring
from satudata.submissions.tests.factories import VALID_ROW
from satudata.synthetic.linkage import generate_labelled
from satudata.synthetic.sidt import village_frame

RECORDS = 600
SEED = 5

# Rows in the headers of the submission template. First a registered business without NIB.
REGISTERED = {
    **VALID_ROW,
    "NIB": "",
    "Nama usaha": "Warung Sumber Rejeki",
    "RT usaha": "1",
    "RW usaha": "2",
    "Tahun mulai operasi": "2015",
}
# The owner's NIK with its last block mistyped, no NIB and no phone: only linkage can find the business.
SAME_OWNER = {**REGISTERED, "NIK pemilik": "3273015203900099", "Nomor HP/telepon pemilik": ""}
# The business name spelled another way, another street and start year: the model is unsure.
NEAR_DUPLICATE = {
    **SAME_OWNER,
    "Nama usaha": "Warung Sbr Rizki",
    "Alamat usaha": "Jl. Dago No. 7",
    "Tahun mulai operasi": "2019",
}
# Another spelling of the name at the registered address, recorded under the neighbouring village.
CLEAR_MATCH = {
    **SAME_OWNER,
    "Nama usaha": "Warung Sumber Rizki",
    "Kode desa/kelurahan usaha": "32.73.01.1002",
}


def synthetic_model(records: int = RECORDS, seed: int = SEED) -> TrainedModel:
    """Train by expectation maximisation on a labelled West Java set; the labels are not used.

    A throwaway keyring keys the hashes: m and u probabilities do not depend on the key.
    """
    labelled = generate_labelled(records, seed=seed, villages=village_frame("32"))
    keyring = new_keyring()
    registry = comparison_records(labelled.registry, id_column="business_id", keyring=keyring)
    incoming = comparison_records(
        labelled.incoming, id_column="row_id", crosswalk=labelled.crosswalk, keyring=keyring
    )
    return train(registry, incoming, seed=seed)


def install_synthetic_model() -> None:
    """Store the synthetic model as the active one; run as 'python -m satudata.linkage.testing'."""
    from satudata.linkage.services import store_model

    store_model(synthetic_model(), data={"synthetic_records": RECORDS, "seed": SEED})


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satudata.settings")
    django.setup()
    install_synthetic_model()
