//! A repository's upstream graph, drawn as SVG: one box per repository its search reaches,
//! numbered in the order the search visits them, an arrow from each repository to each of its
//! upstreams, and under a gateway its external connection (searched right after it) with the
//! connection's health. Repositories are laid out in rows by their distance from the repository
//! searched, in search order within a row. The same order is given as text in the SVG's
//! description, for screen readers.

use chrono::{DateTime, Utc};
use maud::{Markup, html};

/// A repository the search visits, in search order (the first is the one searched).
#[derive(Debug, Clone)]
pub struct Node {
    /// Its name.
    pub name: String,
    /// The view the search reads of it (`NAME@view` in an upstream list), if any.
    pub view: Option<String>,
    /// Its upstream list as stored (`NAME` or `NAME@view`), in order; empty for a view step,
    /// whose upstreams are not searched.
    pub upstreams: Vec<String>,
    /// Its external connection, when it is a gateway.
    pub connection: Option<Connection>,
    /// Its page.
    pub href: String,
}

/// A gateway's external connection.
#[derive(Debug, Clone)]
pub struct Connection {
    /// Its name, e.g. `public:npmjs`.
    pub name: String,
    /// How its requests have gone since the server started.
    pub health: Health,
}

/// How an external connection's requests have gone since the server started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// Not asked yet.
    Unused,
    /// The last request succeeded.
    Healthy(DateTime<Utc>),
    /// The last request failed (the message for administrators only).
    Failing(DateTime<Utc>, Option<String>),
}

impl Health {
    /// A word or two.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Unused => "not used yet",
            Self::Healthy(_) => "healthy",
            Self::Failing(..) => "failing",
        }
    }

    fn class(&self) -> &'static str {
        match self {
            Self::Unused => "health-unused",
            Self::Healthy(_) => "health-ok",
            Self::Failing(..) => "health-failing",
        }
    }
}

/// What the search visits, numbered: each repository, and a gateway's connection right after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Numbered {
    /// The number of each node's repository step.
    pub repository: Vec<usize>,
    /// The number of each node's connection step, for gateways.
    pub connection: Vec<Option<usize>>,
}

/// Numbers the steps of `nodes` (in search order) from 1.
pub fn number(nodes: &[Node]) -> Numbered {
    let mut last = 0;
    let mut repository = Vec::with_capacity(nodes.len());
    let mut connection = Vec::with_capacity(nodes.len());
    for node in nodes {
        last += 1;
        repository.push(last);
        connection.push(node.connection.as_ref().map(|_| {
            last += 1;
            last
        }));
    }
    Numbered { repository, connection }
}

/// The step an upstream list entry names: the node with its repository and view.
fn find(nodes: &[Node], entry: &str) -> Option<usize> {
    let (name, view) = match entry.split_once('@') {
        Some((name, view)) => (name, Some(view)),
        None => (entry, None),
    };
    nodes.iter().position(|n| n.name == name && n.view.as_deref() == view)
}

/// Each node's row: its distance from the first, by the shortest chain of upstream links.
fn rows(nodes: &[Node]) -> Vec<usize> {
    let mut row = vec![usize::MAX; nodes.len()];
    let mut queue = std::collections::VecDeque::new();
    if !nodes.is_empty() {
        row[0] = 0;
        queue.push_back(0);
    }
    while let Some(i) = queue.pop_front() {
        for entry in &nodes[i].upstreams {
            if let Some(j) = find(nodes, entry)
                && row[j] == usize::MAX
            {
                row[j] = row[i] + 1;
                queue.push_back(j);
            }
        }
    }
    // A step no link reaches (it should not happen) goes below the rest.
    let deepest = row.iter().copied().filter(|r| *r != usize::MAX).max().unwrap_or(0);
    row.iter().map(|r| if *r == usize::MAX { deepest + 1 } else { *r }).collect()
}

const NODE_W: usize = 190;
const NODE_H: usize = 54;
const GAP_X: usize = 30;
const ROW_H: usize = 150;
const MARGIN: usize = 16;
const PILL_H: usize = 40;

/// At most `max` characters of `text`, with an ellipsis when cut.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max - 1).collect();
        cut.push('…');
        cut
    }
}

/// The sentence a screen reader reads for the graph.
pub fn describe(nodes: &[Node]) -> String {
    let numbered = number(nodes);
    let mut parts = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        let view = node.view.as_ref().map(|v| format!(" (view {v})")).unwrap_or_default();
        parts.push(format!("{} {}{view}", numbered.repository[i], node.name));
        if let (Some(c), Some(n)) = (&node.connection, numbered.connection[i]) {
            parts.push(format!("{n} external connection {} ({})", c.name, c.health.label()));
        }
    }
    format!("Search order: {}.", parts.join(", "))
}

/// The graph as an inline SVG.
pub fn draw(nodes: &[Node]) -> Markup {
    let numbered = number(nodes);
    let row = rows(nodes);
    let rows_count = row.iter().max().map_or(1, |r| r + 1);
    let mut column = vec![0usize; nodes.len()];
    let mut in_row = vec![0usize; rows_count];
    for (i, r) in row.iter().enumerate() {
        column[i] = in_row[*r];
        in_row[*r] += 1;
    }
    let widest = in_row.iter().copied().max().unwrap_or(1).max(1);
    let width = 2 * MARGIN + widest * NODE_W + (widest - 1) * GAP_X;
    let height = 2 * MARGIN + (rows_count - 1) * ROW_H + NODE_H + PILL_H + 24;
    // Rows narrower than the widest are centred.
    let x = |i: usize| {
        let offset = (widest - in_row[row[i]]) * (NODE_W + GAP_X) / 2;
        MARGIN + offset + column[i] * (NODE_W + GAP_X)
    };
    let y = |i: usize| MARGIN + row[i] * ROW_H;
    let description = describe(nodes);
    html! {
        svg.graph xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {width} {height}"))
            width=(width) height=(height) role="group" aria-labelledby="graph-title" aria-describedby="graph-desc" {
            title #graph-title { "Upstream graph of " (nodes.first().map_or("", |n| n.name.as_str())) }
            desc #graph-desc { (description) }
            defs {
                marker #arrow viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse" {
                    path.arrow-head d="M 0 0 L 10 5 L 0 10 z" {}
                }
            }
            @for (i, node) in nodes.iter().enumerate() {
                @for (k, entry) in node.upstreams.iter().enumerate() {
                    @if let Some(j) = find(nodes, entry) {
                        @let (x1, y1) = (x(i) + NODE_W / 2, y(i) + NODE_H);
                        @let (x2, y2) = (x(j) + NODE_W / 2, y(j));
                        @let bend = (ROW_H / 2).max(y2.abs_diff(y1) / 2);
                        path.edge d=(format!("M {x1} {y1} C {x1} {} {x2} {} {x2} {y2}", y1 + bend, y2.saturating_sub(bend)))
                            marker-end="url(#arrow)" {
                            title { (node.name) " → " (entry) " (upstream " (k + 1) " of " (node.upstreams.len()) ")" }
                        }
                    }
                }
            }
            @for (i, node) in nodes.iter().enumerate() {
                @let (nx, ny) = (x(i), y(i));
                a href=(node.href) {
                    g.node.gateway[node.connection.is_some()].first[i == 0] {
                        title { (node.name) @if let Some(v) = &node.view { " (view " (v) ")" } }
                        rect x=(nx) y=(ny) width=(NODE_W) height=(NODE_H) rx="8" {}
                        circle.step cx=(nx + 22) cy=(ny + NODE_H / 2) r="14" {}
                        text.step-number x=(nx + 22) y=(ny + NODE_H / 2 + 5) text-anchor="middle" { (numbered.repository[i]) }
                        text.name x=(nx + 44) y=(ny + 24) { (clip(&node.name, 17)) }
                        text.kind x=(nx + 44) y=(ny + 42) {
                            @if let Some(v) = &node.view { "view " (clip(v, 12)) }
                            @else if node.connection.is_some() { "gateway" }
                            @else if i == 0 { "searched first" }
                            @else { "repository" }
                        }
                    }
                }
                @if let (Some(c), Some(n)) = (&node.connection, numbered.connection[i]) {
                    @let (px, py) = (nx + 10, ny + NODE_H + 16);
                    line.connection-link x1=(nx + NODE_W / 2) y1=(ny + NODE_H) x2=(nx + NODE_W / 2) y2=(py) {}
                    g.connection.(c.health.class()) {
                        title { "External connection " (c.name) ": " (c.health.label()) }
                        rect x=(px) y=(py) width=(NODE_W - 20) height=(PILL_H) rx="20" {}
                        circle.step cx=(px + 20) cy=(py + PILL_H / 2) r="12" {}
                        text.step-number x=(px + 20) y=(py + PILL_H / 2 + 5) text-anchor="middle" { (n) }
                        circle.health-dot cx=(px + 42) cy=(py + PILL_H / 2) r="5" {}
                        text.name x=(px + 52) y=(py + 17) { (clip(&c.name, 16)) }
                        text.kind x=(px + 52) y=(py + 32) { (c.health.label()) }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, upstreams: &[&str], connection: Option<&str>) -> Node {
        Node {
            name: name.to_owned(),
            view: None,
            upstreams: upstreams.iter().map(|u| (*u).to_owned()).collect(),
            connection: connection.map(|c| Connection { name: c.to_owned(), health: Health::Unused }),
            href: format!("/ui/d/d/r/{name}"),
        }
    }

    #[test]
    fn steps_are_numbered_with_the_connection_after_its_gateway() {
        let nodes = [
            node("app", &["team", "npm-store"], None),
            node("team", &[], None),
            node("npm-store", &[], Some("public:npmjs")),
        ];
        let numbered = number(&nodes);
        assert_eq!(numbered.repository, vec![1, 2, 3]);
        assert_eq!(numbered.connection, vec![None, None, Some(4)]);
        assert_eq!(
            describe(&nodes),
            "Search order: 1 app, 2 team, 3 npm-store, 4 external connection public:npmjs (not used yet)."
        );
    }

    #[test]
    fn rows_are_distances_from_the_repository_searched() {
        let nodes = [
            node("app", &["team", "npm-store"], None),
            node("team", &["npm-store"], None),
            node("npm-store", &[], Some("public:npmjs")),
        ];
        assert_eq!(rows(&nodes), vec![0, 1, 1]);
        let svg = draw(&nodes).into_string();
        assert_eq!(svg.matches("class=\"edge\"").count(), 3, "{svg}");
        assert!(svg.contains(">public:npmjs<"), "{svg}");
        assert!(svg.contains("href=\"/ui/d/d/r/team\""), "{svg}");
    }

    #[test]
    fn a_view_step_is_its_own_node() {
        let mut shared = node("shared", &[], None);
        shared.view = Some("release".to_owned());
        shared.upstreams.clear();
        let nodes = [node("app", &["shared@release"], None), shared];
        assert_eq!(find(&nodes, "shared@release"), Some(1));
        assert_eq!(find(&nodes, "shared"), None);
        assert!(describe(&nodes).contains("2 shared (view release)"));
    }

    #[test]
    fn long_names_are_clipped_with_the_whole_name_in_the_title() {
        let long = "a-very-long-repository-name-indeed";
        let svg = draw(&[node(long, &[], None)]).into_string();
        assert!(svg.contains("a-very-long-repo…"), "{svg}");
        assert!(svg.contains(&format!("<title>{long}</title>")), "{svg}");
    }
}
