//! Charts and maps as SVG, drawn by koers itself: line, bar and radar charts ([`chart`]),
//! choropleth maps, extruded blocks and points ([`map`]). Pure functions from figures to
//! accessible SVG text (a title, a description and the numbers in words), so that a page, a
//! PDF export and a dashboard image draw the same picture, with no JavaScript, no tiles and
//! no network.

pub mod chart;
pub mod map;
