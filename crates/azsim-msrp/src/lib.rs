//! azsim-msrp (being written).
