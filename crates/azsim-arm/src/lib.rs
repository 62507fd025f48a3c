//! azsim-arm (being written).
