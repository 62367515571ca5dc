//! PNG plots with plotters' bitmap back end: the attention map of one molecule (a labelled,
//! causal token × token heatmap) and the loss curve of a training run. Text uses a subset of
//! DejaVu Sans embedded in the binary (`assets/fonts/`), so no system font is needed.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, register_font};
use std::path::Path;
use std::sync::Once;

/// The embedded font (DejaVu Sans subset; licence in `assets/fonts/LICENSE-DejaVu.txt`).
static FONT: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-subset.ttf");
/// The family name the plots ask plotters for.
const FAMILY: &str = "sans-serif";

/// Why a plot could not be drawn or written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// Bad data (empty, mismatched sizes).
    #[error("{0}")]
    Data(String),
    /// plotters failed (drawing, encoding or writing the file).
    #[error("{path}: {message}")]
    Draw {
        /// The output file.
        path: String,
        /// plotters' message.
        message: String,
    },
}

fn register() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for style in [FontStyle::Normal, FontStyle::Bold] {
            // The font is a compile-time constant that the tests load: it cannot be invalid.
            let _ = register_font(FAMILY, style, FONT);
        }
    });
}

fn draw_error(path: &Path) -> impl Fn(String) -> PlotError + '_ {
    move |message| PlotError::Draw {
        path: path.display().to_string(),
        message,
    }
}

/// Viridis-like colour for a weight in [0, 1].
fn colour(v: f64) -> RGBColor {
    // Five anchors of matplotlib's viridis, linearly interpolated.
    const ANCHORS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let x = v.clamp(0.0, 1.0) * 4.0;
    let i = (x.floor() as usize).min(3);
    let f = x - i as f64;
    let (a, b) = (ANCHORS[i], ANCHORS[i + 1]);
    let mix = |p: f64, q: f64| (p + (q - p) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Writes the attention weights `weights[i][j]` (query token i attends to key token j; a
/// causal map, zero above the diagonal) as a heatmap PNG with the tokens as axis labels.
pub fn attention_map(
    path: &Path,
    tokens: &[String],
    weights: &[Vec<f32>],
    title: &str,
) -> Result<(), PlotError> {
    let t = tokens.len();
    if t == 0 || weights.len() != t || weights.iter().any(|row| row.len() != t) {
        return Err(PlotError::Data(format!(
            "the attention map needs {t} × {t} weights for {t} tokens"
        )));
    }
    register();
    let cell: u32 = match t {
        0..=12 => 44,
        13..=16 => 36,
        _ => 28,
    };
    let (left, top, right, bottom) = (90u32, 70u32, 110u32, 90u32);
    let grid = cell * t as u32;
    let (w, h) = (left + grid + right, top + grid + bottom);
    let err = draw_error(path);
    let root = BitMapBackend::new(path, (w, h)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
    let font = |size: f64| (FAMILY, size).into_font();
    let text = |s: &str, x: i32, y: i32, size: f64, pos: Pos, c: &RGBColor| {
        root.draw(&Text::new(
            s.to_string(),
            (x, y),
            font(size).color(c).pos(pos),
        ))
    };
    let centred = Pos::new(HPos::Center, VPos::Center);
    text(title, (w / 2) as i32, 24, 18.0, centred, &BLACK).map_err(|e| err(e.to_string()))?;
    let label_size = if t <= 12 { 15.0 } else { 12.0 };
    let (left, top, cell) = (left as i32, top as i32, cell as i32);
    for (i, row) in weights.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            let (x0, y0) = (left + j as i32 * cell, top + i as i32 * cell);
            let fill = if j > i {
                RGBColor(235, 235, 235)
            } else {
                colour(v as f64)
            };
            root.draw(&Rectangle::new(
                [(x0, y0), (x0 + cell, y0 + cell)],
                fill.filled(),
            ))
            .map_err(|e| err(e.to_string()))?;
            if j <= i && t <= 16 {
                let ink = if v > 0.6 { BLACK } else { WHITE };
                text(
                    &format!("{:.2}", v),
                    x0 + cell / 2,
                    y0 + cell / 2,
                    if t <= 12 { 12.0 } else { 10.0 },
                    centred,
                    &ink,
                )
                .map_err(|e| err(e.to_string()))?;
            }
        }
    }
    root.draw(&Rectangle::new(
        [(left, top), (left + t as i32 * cell, top + t as i32 * cell)],
        BLACK.stroke_width(1),
    ))
    .map_err(|e| err(e.to_string()))?;
    for (k, token) in tokens.iter().enumerate() {
        let mid = k as i32 * cell + cell / 2;
        // Queries down the left, keys along the bottom.
        text(
            token,
            left - 8,
            top + mid,
            label_size,
            Pos::new(HPos::Right, VPos::Center),
            &BLACK,
        )
        .map_err(|e| err(e.to_string()))?;
        text(
            token,
            left + mid,
            top + t as i32 * cell + 8,
            label_size,
            Pos::new(HPos::Center, VPos::Top),
            &BLACK,
        )
        .map_err(|e| err(e.to_string()))?;
    }
    let grid = t as i32 * cell;
    text(
        "key (attended-to token)",
        left + grid / 2,
        top + grid + 50,
        14.0,
        centred,
        &BLACK,
    )
    .map_err(|e| err(e.to_string()))?;
    root.draw(&Text::new(
        "query token".to_string(),
        (18, top + grid / 2),
        font(14.0)
            .transform(FontTransform::Rotate270)
            .color(&BLACK)
            .pos(centred),
    ))
    .map_err(|e| err(e.to_string()))?;
    // Colour bar.
    let (bx, bw) = (left + grid + 30, 18);
    let steps = 100;
    for s in 0..steps {
        let y0 = top + grid - (s + 1) * grid / steps;
        let y1 = top + grid - s * grid / steps;
        root.draw(&Rectangle::new(
            [(bx, y0), (bx + bw, y1)],
            colour((s as f64 + 0.5) / steps as f64).filled(),
        ))
        .map_err(|e| err(e.to_string()))?;
    }
    root.draw(&Rectangle::new(
        [(bx, top), (bx + bw, top + grid)],
        BLACK.stroke_width(1),
    ))
    .map_err(|e| err(e.to_string()))?;
    for (v, y) in [(1.0, top), (0.5, top + grid / 2), (0.0, top + grid)] {
        text(
            &format!("{v:.1}"),
            bx + bw + 6,
            y,
            12.0,
            Pos::new(HPos::Left, VPos::Center),
            &BLACK,
        )
        .map_err(|e| err(e.to_string()))?;
    }
    root.present().map_err(|e| err(e.to_string()))
}

/// One loss series: (step, loss) points and a label.
pub struct Series<'a> {
    /// Legend label.
    pub label: &'a str,
    /// Points.
    pub points: &'a [(f64, f64)],
    /// Drawn with markers (few points, e.g. validation per epoch) or as a line.
    pub markers: bool,
}

/// Writes a loss-vs-step chart of `series` as a PNG.
pub fn loss_curve(path: &Path, title: &str, series: &[Series]) -> Result<(), PlotError> {
    let axes = Axes {
        x: "optimiser step",
        y: "cross-entropy loss",
        x_label: &|x| format!("{x:.0}"),
        x_from_zero: true,
        x_ticks: 10,
        y_range: None,
        legend: SeriesLabelPosition::UpperRight,
    };
    line_chart(path, title, &axes, series)
}

/// Writes fractions (validity, uniqueness, …) against shots per circuit as a PNG with a
/// logarithmic shot axis; `series` points are (shots, fraction).
pub fn shot_curve(path: &Path, title: &str, series: &[Series]) -> Result<(), PlotError> {
    let logged: Vec<Vec<(f64, f64)>> = series
        .iter()
        .map(|s| s.points.iter().map(|&(x, y)| (x.log10(), y)).collect())
        .collect();
    let series: Vec<Series> = series
        .iter()
        .zip(&logged)
        .map(|(s, points)| Series {
            label: s.label,
            points,
            markers: s.markers,
        })
        .collect();
    // One tick per decade.
    let decades = logged
        .iter()
        .flatten()
        .map(|p| p.0)
        .fold(0.0f64, f64::max)
        .ceil() as usize;
    let axes = Axes {
        x: "shots per score circuit (log scale)",
        y: "fraction of queries",
        x_label: &|x| format!("{:.0}", 10f64.powf(*x)),
        x_from_zero: false,
        x_ticks: decades + 1,
        y_range: Some((0.0, 1.0)),
        legend: SeriesLabelPosition::LowerRight,
    };
    line_chart(path, title, &axes, &series)
}

/// Axis texts, tick labels and an optional fixed y range of a line chart.
struct Axes<'a> {
    x: &'a str,
    y: &'a str,
    x_label: &'a dyn Fn(&f64) -> String,
    x_from_zero: bool,
    /// How many x tick labels plotters aims for.
    x_ticks: usize,
    y_range: Option<(f64, f64)>,
    legend: SeriesLabelPosition,
}

fn line_chart(path: &Path, title: &str, axes: &Axes, series: &[Series]) -> Result<(), PlotError> {
    let all: Vec<(f64, f64)> = series
        .iter()
        .flat_map(|s| s.points.iter().copied())
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    if all.is_empty() {
        return Err(PlotError::Data("no loss values to plot".into()));
    }
    register();
    let (x_min, x_max, mut y_min, mut y_max) = all.iter().fold(
        (f64::INFINITY, 1.0f64, f64::INFINITY, f64::NEG_INFINITY),
        |(xl, xm, lo, hi), &(x, y)| (xl.min(x), xm.max(x), lo.min(y), hi.max(y)),
    );
    if let Some((lo, hi)) = axes.y_range {
        (y_min, y_max) = (lo, hi);
    } else if y_max - y_min < 1e-6 {
        y_min -= 0.5;
        y_max += 0.5;
    }
    let pad = 0.05 * (y_max - y_min);
    let x_min = if axes.x_from_zero {
        0.0
    } else {
        x_min - 0.05 * (x_max - x_min).max(1.0)
    };
    let err = draw_error(path);
    let root = BitMapBackend::new(path, (800, 500)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FAMILY, 20))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(60)
        .build_cartesian_2d(x_min..x_max * 1.02, (y_min - pad).max(0.0)..y_max + pad)
        .map_err(|e| err(e.to_string()))?;
    chart
        .configure_mesh()
        .x_desc(axes.x)
        .y_desc(axes.y)
        .label_style((FAMILY, 13))
        .axis_desc_style((FAMILY, 15))
        .x_labels(axes.x_ticks)
        .x_label_formatter(axes.x_label)
        .bold_line_style(RGBColor(215, 215, 215))
        .light_line_style(RGBColor(242, 242, 242))
        .draw()
        .map_err(|e| err(e.to_string()))?;
    let palette = [
        RGBColor(31, 119, 180),
        RGBColor(214, 39, 40),
        RGBColor(44, 160, 44),
    ];
    for (k, s) in series.iter().enumerate() {
        let c = palette[k % palette.len()];
        let points: Vec<(f64, f64)> = s
            .points
            .iter()
            .copied()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect();
        if s.markers {
            chart
                .draw_series(LineSeries::new(points.clone(), c.stroke_width(1)))
                .map_err(|e| err(e.to_string()))?;
            chart
                .draw_series(points.iter().map(|&p| Circle::new(p, 4, c.filled())))
                .map_err(|e| err(e.to_string()))?
                .label(s.label)
                .legend(move |(x, y)| Circle::new((x + 10, y), 4, c.filled()));
        } else {
            chart
                .draw_series(LineSeries::new(points, c.stroke_width(2)))
                .map_err(|e| err(e.to_string()))?
                .label(s.label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2))
                });
        }
    }
    chart
        .configure_series_labels()
        .label_font((FAMILY, 14))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(axes.legend.clone())
        .draw()
        .map_err(|e| err(e.to_string()))?;
    root.present().map_err(|e| err(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_font_loads() {
        assert!(register_font("qattnc-test", FontStyle::Normal, FONT).is_ok());
    }

    #[test]
    fn colours_span_viridis() {
        assert_eq!(colour(0.0), RGBColor(68, 1, 84));
        assert_eq!(colour(1.0), RGBColor(253, 231, 37));
    }
}
