//! The weekly breach chart: an SVG bar chart drawn with `plotters`' SVG backend only, so it
//! inlines into the HTML page and needs no font files (text is left to the browser).

use plotters::prelude::*;

use super::stats::Week;

/// Widest chart in SVG pixels (the page scales it down on narrow screens); a short range
/// gets a narrower chart so that a single week is not one wall-to-wall bar.
pub const MAX_WIDTH: u32 = 760;
const MIN_WIDTH: u32 = 320;
/// Width per week below [`MAX_WIDTH`].
const WEEK_WIDTH: u32 = 48;
/// Height of the chart in SVG pixels.
pub const HEIGHT: u32 = 280;
/// Fill of the bars, as the SVG spells it: one `<rect fill=...>` of this colour per week,
/// which is also how tests count the bars.
pub const BAR_FILL: &str = "#1F5F8B";
const BAR: RGBColor = RGBColor(0x1F, 0x5F, 0x8B);

/// Most x-axis labels drawn; with more weeks plotters labels a regular subset.
const MAX_LABELS: usize = 13;

/// The `<svg>` element of a bar chart with one bar per week (zero-height for a week
/// without breaches), in the order given; empty for no weeks (a valid range has at least
/// one).
pub fn weekly_svg(weeks: &[Week]) -> anyhow::Result<String> {
    let mut svg = String::new();
    if weeks.is_empty() {
        return Ok(svg);
    }
    draw(&mut svg, weeks).map_err(|e| anyhow::anyhow!("cannot draw the weekly chart: {e}"))?;
    Ok(svg)
}

fn draw(svg: &mut String, weeks: &[Week]) -> Result<(), Box<dyn std::error::Error>> {
    let n = u32::try_from(weeks.len())?;
    let max = weeks.iter().map(|w| w.count).max().unwrap_or(0);
    let max = u32::try_from(max)?;
    let width = n
        .saturating_mul(WEEK_WIDTH)
        .saturating_add(160)
        .clamp(MIN_WIDTH, MAX_WIDTH);
    let root = SVGBackend::with_string(svg, (width, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(44)
        // plotters' integer ranges are inclusive when segmented: 0..n-1 gives n slots.
        .build_cartesian_2d((0..n.saturating_sub(1)).into_segmented(), 0..max + 1)?;
    let label = |v: &SegmentValue<u32>| match v {
        SegmentValue::CenterOf(i) => weeks.get(*i as usize).map(Week::label).unwrap_or_default(),
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(weeks.len().clamp(1, MAX_LABELS))
        .x_label_formatter(&label)
        .y_labels((max as usize + 2).min(10))
        .y_label_formatter(&|v| v.to_string())
        .x_desc("ISO week (Monday-Sunday, Europe/Warsaw)")
        .y_desc("breaches")
        .draw()?;
    chart.draw_series(
        Histogram::vertical(&chart)
            .style(BAR.filled())
            .margin(3)
            .data(
                weeks
                    .iter()
                    .enumerate()
                    .map(|(i, w)| (i as u32, w.count as u32)),
            ),
    )?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::DateRange;
    use crate::report::stats::weekly;
    use jiff::civil::date;

    fn bars(svg: &str) -> usize {
        svg.matches(&format!("fill=\"{BAR_FILL}\"")).count()
    }

    #[test]
    fn one_bar_per_week_also_for_empty_weeks() {
        let range = DateRange::new(date(2026, 3, 1), date(2026, 3, 18)).unwrap();
        let mut weeks = weekly(&[], range);
        weeks[1].count = 3;
        let svg = weekly_svg(&weeks).unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.trim_end().ends_with("</svg>"));
        assert_eq!(bars(&svg), 4, "{svg}");
        assert!(svg.contains("2026-W10"), "{svg}");
        // No external references: no fonts, images or scripts to fetch.
        for bad in ["<image", "<script", "url(", "href"] {
            assert!(!svg.contains(bad), "{bad} in {svg}");
        }
    }

    #[test]
    fn a_quiet_period_and_a_long_one_still_draw() {
        let one = weekly(
            &[],
            DateRange::new(date(2026, 3, 4), date(2026, 3, 4)).unwrap(),
        );
        assert_eq!(bars(&weekly_svg(&one).unwrap()), 1);
        let year = weekly(
            &[],
            DateRange::new(date(2026, 1, 1), date(2026, 12, 31)).unwrap(),
        );
        let svg = weekly_svg(&year).unwrap();
        assert_eq!(bars(&svg), year.len());
        assert!(
            svg.contains(&format!("width=\"{MAX_WIDTH}\"")),
            "a year is drawn wide"
        );
        assert_eq!(weekly_svg(&[]).map(|s| bars(&s)).unwrap_or(0), 0);
    }
}
