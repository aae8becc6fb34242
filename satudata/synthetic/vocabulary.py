"""Word lists for synthetic records: common Indonesian names, business words and KBLI codes."""

MALE_NAMES = (
    "Agus", "Budi", "Joko", "Slamet", "Bambang", "Hendra", "Rudi", "Dedi", "Asep", "Ujang", "Wahyu", "Eko",
    "Ahmad", "Muhammad", "Rizki", "Andi", "Yusuf", "Hasan", "Iwan", "Dadang", "Supriyadi", "Sutrisno",
    "Made", "Ketut", "Nyoman", "Hendrik", "Yohanes", "Fajar", "Arif", "Imam", "Teguh", "Sugeng", "Heru",
)
FEMALE_NAMES = (
    "Siti", "Sri", "Dewi", "Nur", "Ani", "Yuli", "Rina", "Wati", "Lestari", "Ratna", "Fitri", "Aminah",
    "Nurhaliza", "Rahmawati", "Putri", "Ayu", "Indah", "Eka", "Neneng", "Euis", "Wahyuni", "Kartini",
    "Maria", "Yohana", "Ni Luh", "Nining", "Suryani", "Sulastri", "Tuti", "Endang", "Murni", "Ida",
)
FAMILY_NAMES = (
    "", "", "", "Saputra", "Wijaya", "Santoso", "Hidayat", "Kurniawan", "Setiawan", "Pratama", "Nugroho",
    "Susanto", "Gunawan", "Siregar", "Nasution", "Simanjuntak", "Harahap", "Lubis", "Wibowo", "Purnomo",
    "Rahman", "Hakim", "Syahputra", "Sitompul", "Permana", "Suryadi", "Hartono", "Ramadhan", "Firmansyah",
)
BUSINESS_PREFIXES = ("Warung", "Toko", "UD", "Kedai", "CV", "", "", "Usaha", "Rumah Makan", "Kios", "Bengkel")
BUSINESS_WORDS = (
    "Berkah", "Maju Jaya", "Sederhana", "Barokah", "Sumber Rejeki", "Makmur", "Sejahtera", "Jaya Abadi",
    "Mandiri", "Lancar", "Sinar", "Mulia", "Harapan", "Bersama", "Cahaya", "Rizki", "Amanah", "Sentosa",
    "Mekar", "Bunda", "Putra", "Putri", "Karya", "Tani", "Sejati", "Indah", "Murah", "Baru", "Family",
)
PRODUCTS = (
    "Nasi goreng", "Kopi bubuk", "Keripik singkong", "Pakaian muslim", "Batik tulis", "Sembako",
    "Jasa jahit", "Kue basah", "Bakso", "Sablon kaos", "Tahu dan tempe", "Kerajinan bambu", "Pulsa",
    "Servis motor", "Sayuran segar", "Madu", "Sandal kulit", "Laundry kiloan", "Roti", "Es teh",
)
# Real five-digit codes of KBLI 2020 with their category, for activities that UMKM commonly run.
KBLI_CODES = (
    ("47111", "G"), ("47112", "G"), ("47211", "G"), ("47724", "G"), ("47911", "G"), ("56101", "I"),
    ("56103", "I"), ("56303", "I"), ("10710", "C"), ("10792", "C"), ("10794", "C"), ("14111", "C"),
    ("13134", "C"), ("16291", "C"), ("95230", "S"), ("96011", "S"), ("96111", "S"), ("45405", "G"),
    ("01132", "A"), ("03217", "A"), ("46311", "G"), ("49424", "H"), ("62019", "J"), ("74130", "M"),
)
LEGAL_FORMS = ("Perorangan", "Perorangan", "Perorangan", "CV", "PT Perorangan", "Koperasi", "UD", "PT")
EDUCATION = ("SD", "SMP", "SMA/SMK", "SMA/SMK", "D3", "S1", "S2", "Tidak Sekolah")
STREET_WORDS = ("Jl.", "Jalan", "Gg.", "Gang", "Jl")
STREETS = (
    "Merdeka", "Sudirman", "Ahmad Yani", "Diponegoro", "Gatot Subroto", "Pahlawan", "Kenanga", "Melati",
    "Mawar", "Anggrek", "Cempaka", "Raya Cibeureum", "Pasar Baru", "Siliwangi", "Veteran", "Pemuda",
)
