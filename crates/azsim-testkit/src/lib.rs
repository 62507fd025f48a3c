//! azsim-testkit (being written).
