//! azsim-entra (being written).
