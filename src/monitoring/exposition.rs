//! The Prometheus text format for gauges lacznik computes at scrape time and writes
//! itself rather than through the `metrics` recorder: a recorded gauge stays at its last
//! value for good, so a renewed certificate (its old serial), a CA dropped from the
//! bundle or a node that stepped down would go on showing stale series that alerts fire
//! on. What is written here exists exactly as long as what it describes.

use std::fmt::Write;

/// A scrape's worth of gauge families in the text format (version 0.0.4).
#[derive(Default)]
pub struct Exposition {
    out: String,
}

impl Exposition {
    /// Starts the family `name` with its help text.
    pub fn family(&mut self, name: &str, help: &str) {
        let _ = writeln!(self.out, "# HELP {name} {help}");
        let _ = writeln!(self.out, "# TYPE {name} gauge");
    }

    /// One sample of the family last started.
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{k}=\"{}\"", escape(v));
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {}", number(value));
    }

    /// The text.
    pub fn finish(self) -> String {
        self.out
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::Exposition;

    #[test]
    fn families_samples_and_escapes() {
        let mut e = Exposition::default();
        e.family("lacznik_x", "an example");
        e.sample("lacznik_x", &[("a", "q\"b\\"), ("c", "d")], 1.5);
        e.sample("lacznik_x", &[], 1_893_456_000.0);
        e.sample("lacznik_x", &[], f64::NAN);
        assert_eq!(
            e.finish(),
            "# HELP lacznik_x an example\n# TYPE lacznik_x gauge\n\
             lacznik_x{a=\"q\\\"b\\\\\",c=\"d\"} 1.5\nlacznik_x 1893456000\nlacznik_x NaN\n"
        );
    }
}
