//! azsim-imds (being written).
