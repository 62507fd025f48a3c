//! azsim-cloud (being written).
