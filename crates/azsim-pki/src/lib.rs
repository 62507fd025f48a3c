//! azsim-pki (being written).
