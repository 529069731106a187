//! The repository graph of one domain on `petgraph` (docs/DESIGN.md §3).
//!
//! Nodes are repositories; an edge goes from a repository to each of its upstreams and carries
//! the upstream's position in the list, so a search follows the list order, and the view the
//! entry names (`shared@release`), if any: a search reaching a repository through such an edge
//! searches that view only and goes no further. The graph is a
//! function of the repositories given to [`RepoGraph::new`]: changes build a new graph.

use std::collections::{HashMap, HashSet, VecDeque};

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{EdgeRef, VisitMap, Visitable};

use crate::{GraphError, MAX_DIRECT_UPSTREAMS, MAX_SEARCHED_REPOSITORIES, RepoNode, SearchStep, upstream_parts};

/// One repository: its name and what the graph knows of it.
#[derive(Debug, Clone)]
struct Repo {
    name: String,
    node: RepoNode,
}

/// An upstream link: the upstream's position in the list, and the view the entry names.
#[derive(Debug, Clone)]
struct Link {
    position: usize,
    view: Option<String>,
}

/// The repositories of one domain and their upstream links.
///
/// Cheap to query: a search order costs a walk over at most the searched repositories. Build it
/// once per domain and rebuild (or use [`RepoGraph::with_change`]) when a repository changes.
#[derive(Debug, Clone, Default)]
pub struct RepoGraph {
    /// Edge `a -> b` with position `i`: `b` (or one of its views) is the `i`-th upstream of `a`.
    graph: DiGraph<Repo, Link>,
    index: HashMap<String, NodeIndex>,
}

impl RepoGraph {
    /// Builds from all repositories of a domain.
    ///
    /// Nothing is refused here: upstream names that are not in the set, a repository listing
    /// itself, and repeated upstreams are ignored for ordering (the first occurrence counts), and
    /// reported by [`RepoGraph::validate`]. If a name is given twice, the last node wins.
    pub fn new(repos: impl IntoIterator<Item = (String, RepoNode)>) -> Self {
        let mut graph: DiGraph<Repo, Link> = DiGraph::default();
        let mut index: HashMap<String, NodeIndex> = HashMap::new();
        for (name, node) in repos {
            if let Some(&idx) = index.get(&name) {
                graph[idx].node = node;
            } else {
                let idx = graph.add_node(Repo { name: name.clone(), node });
                index.insert(name, idx);
            }
        }
        let mut links = Vec::new();
        for idx in graph.node_indices() {
            for (position, upstream) in graph[idx].node.upstreams.iter().enumerate() {
                let (repository, view) = upstream_parts(upstream);
                if let Some(&target) = index.get(repository)
                    && target != idx
                {
                    links.push((idx, target, Link { position, view: view.map(str::to_owned) }));
                }
            }
        }
        for (from, to, link) in links {
            if graph.find_edge(from, to).is_none() {
                graph.add_edge(from, to, link);
            }
        }
        Self { graph, index }
    }

    /// Whether `repo` is a repository of this domain.
    pub fn contains(&self, repo: &str) -> bool {
        self.index.contains_key(repo)
    }

    /// What the graph knows of `repo`, if it exists.
    pub fn node(&self, repo: &str) -> Option<&RepoNode> {
        self.index.get(repo).map(|&idx| &self.graph[idx].node)
    }

    /// The number of repositories.
    pub fn len(&self) -> usize {
        self.graph.node_count()
    }

    /// Whether the domain has no repositories.
    pub fn is_empty(&self) -> bool {
        self.graph.node_count() == 0
    }

    /// The names of all repositories, sorted.
    pub fn names(&self) -> Vec<&str> {
        self.sorted_indices().into_iter().map(|idx| self.name(idx)).collect()
    }

    /// The search order of `repo`: depth-first, pre-order, following each upstream list in
    /// order, each repository visited once (CodeArtifact's example: `my_repo` has upstreams
    /// `A`, `B`; `A` has `C`, `D`; `D` has `E` → `my_repo`, `A`, `C`, `D`, `E`, `B`).
    ///
    /// A gateway's step carries its external connection, searched right after the gateway's
    /// stored versions. `None` if `repo` is unknown. The order is not truncated: a graph built
    /// from unvalidated data may give more than [`MAX_SEARCHED_REPOSITORIES`] steps.
    pub fn search_order(&self, repo: &str) -> Option<Vec<SearchStep>> {
        let &start = self.index.get(repo)?;
        let mut steps = Vec::new();
        self.walk(start, |idx, view| {
            let Repo { name, node } = &self.graph[idx];
            let external_connection = if view.is_some() { None } else { node.external_connection.clone() };
            steps.push(SearchStep { repository: name.clone(), external_connection, view: view.map(str::to_owned) });
            true
        });
        Some(steps)
    }

    /// The search order of `repo` for one package, where `blocks_upstream(name)` tells whether a
    /// repository's origin controls say `upstream=BLOCK` for it: such a repository is searched
    /// itself, but neither its external connection nor its upstream repositories are, unless they
    /// are reached another way. With no blocks this is [`RepoGraph::search_order`].
    pub fn search_order_with(&self, repo: &str, blocks_upstream: impl Fn(&str) -> bool) -> Option<Vec<SearchStep>> {
        let &start = self.index.get(repo)?;
        let mut steps = Vec::new();
        self.walk_with(start, |idx, view| {
            let Repo { name, node } = &self.graph[idx];
            let blocked = view.is_some() || blocks_upstream(name);
            let external_connection = if blocked { None } else { node.external_connection.clone() };
            steps.push(SearchStep { repository: name.clone(), external_connection, view: view.map(str::to_owned) });
            if blocked { Visit::Skip } else { Visit::Descend }
        });
        Some(steps)
    }

    /// Repositories that list `repo` as a direct upstream, sorted by name. Empty if `repo` is
    /// unknown.
    pub fn direct_downstreams(&self, repo: &str) -> Vec<String> {
        let Some(&idx) = self.index.get(repo) else {
            return Vec::new();
        };
        let mut names: Vec<String> =
            self.graph.neighbors_directed(idx, Direction::Incoming).map(|down| self.name(down).to_owned()).collect();
        names.sort_unstable();
        names
    }

    /// All repositories whose search order includes `repo` (excluding `repo` itself), sorted by
    /// name. Empty if `repo` is unknown.
    pub fn all_downstreams(&self, repo: &str) -> Vec<String> {
        let Some(&idx) = self.index.get(repo) else {
            return Vec::new();
        };
        let mut names: Vec<String> =
            self.downstream_indices(idx).into_iter().map(|down| self.name(down).to_owned()).collect();
        names.sort_unstable();
        names
    }

    /// Validates setting `repo` (new or existing) to `node`, against the rest of the graph, and
    /// returns the graph as it would be after the change.
    ///
    /// Checks, in this order: [`GraphError::SelfUpstream`], [`GraphError::DuplicateUpstream`],
    /// [`GraphError::TooManyUpstreams`], [`GraphError::UnknownUpstream`] (first unknown in list
    /// order), [`GraphError::UpstreamsAndExternalConnection`], [`GraphError::Cycle`] (the shortest
    /// cycle through `repo`, from `repo` back to it), [`GraphError::SearchTooLarge`] (`repo` itself
    /// first, then its downstreams by name; the count is the full size of that search order).
    ///
    /// Only what the change can break is checked: cycles through `repo`, and the searches of
    /// `repo` and its downstreams. Use [`RepoGraph::validate`] for the whole graph.
    pub fn with_change(&self, repo: &str, node: RepoNode) -> Result<RepoGraph, GraphError> {
        self.check_node(repo, &node)?;
        let changed = self.replaced(repo, node);
        let Some(&idx) = changed.index.get(repo) else {
            return Err(GraphError::UnknownRepository { name: repo.to_owned() });
        };
        if let Some(path) = changed.cycle_through(idx) {
            return Err(GraphError::Cycle { path });
        }
        let mut downstreams = changed.downstream_indices(idx);
        downstreams.sort_unstable_by(|&a, &b| changed.name(a).cmp(changed.name(b)));
        changed.check_search_sizes(std::iter::once(idx).chain(downstreams))?;
        Ok(changed)
    }

    /// Validates the whole graph as it is, with the checks of [`RepoGraph::with_change`] applied
    /// to every repository (by name). Use it on a graph built from stored data.
    pub fn validate(&self) -> Result<(), GraphError> {
        let sorted = self.sorted_indices();
        for &idx in &sorted {
            let Repo { name, node } = &self.graph[idx];
            self.check_node(name, node)?;
        }
        for &idx in &sorted {
            if let Some(path) = self.cycle_through(idx) {
                return Err(GraphError::Cycle { path });
            }
        }
        self.check_search_sizes(sorted)
    }

    /// Deleting `repo` is refused while other repositories list it as upstream:
    /// [`GraphError::InUseAsUpstream`] with the direct downstream names, sorted.
    /// [`GraphError::UnknownRepository`] if it does not exist.
    pub fn check_delete(&self, repo: &str) -> Result<(), GraphError> {
        if !self.contains(repo) {
            return Err(GraphError::UnknownRepository { name: repo.to_owned() });
        }
        let downstreams = self.direct_downstreams(repo);
        if downstreams.is_empty() {
            Ok(())
        } else {
            Err(GraphError::InUseAsUpstream { repository: repo.to_owned(), downstreams })
        }
    }

    /// The graph without `repo`. If other repositories still list it (see
    /// [`RepoGraph::check_delete`]), it is removed from their upstream lists too. An unknown
    /// `repo` gives the same graph.
    pub fn without(&self, repo: &str) -> RepoGraph {
        if !self.contains(repo) {
            return self.clone();
        }
        RepoGraph::new(self.graph.node_weights().filter(|r| r.name != repo).map(|r| {
            let mut node = r.node.clone();
            node.upstreams.retain(|upstream| upstream_parts(upstream).0 != repo);
            (r.name.clone(), node)
        }))
    }

    fn name(&self, idx: NodeIndex) -> &str {
        &self.graph[idx].name
    }

    fn sorted_indices(&self) -> Vec<NodeIndex> {
        let mut indices: Vec<NodeIndex> = self.graph.node_indices().collect();
        indices.sort_unstable_by(|&a, &b| self.name(a).cmp(self.name(b)));
        indices
    }

    /// The graph with `repo` set to `node` (added if new).
    fn replaced(&self, repo: &str, node: RepoNode) -> RepoGraph {
        let others = self.graph.node_weights().filter(|r| r.name != repo);
        RepoGraph::new(others.map(|r| (r.name.clone(), r.node.clone())).chain(std::iter::once((repo.to_owned(), node))))
    }

    /// Visits the search order of `start`, pre-order; stops when `visit` returns false. A
    /// repository reached through an entry naming one of its views is visited with that view
    /// and not descended into.
    fn walk(&self, start: NodeIndex, mut visit: impl FnMut(NodeIndex, Option<&str>) -> bool) {
        self.walk_with(start, |idx, view| if visit(idx, view) { Visit::Descend } else { Visit::Stop });
    }

    /// Visits the search order of `start`, pre-order, as `visit` says after each repository (a
    /// view is never descended into). A repository is visited once as itself; a view of it
    /// once, and not after the repository itself, which holds all its views hold.
    fn walk_with(&self, start: NodeIndex, mut visit: impl FnMut(NodeIndex, Option<&str>) -> Visit) {
        let mut seen = self.graph.visit_map();
        let mut seen_views: Vec<(NodeIndex, &str)> = Vec::new();
        let mut stack: Vec<(NodeIndex, Option<&str>)> = vec![(start, None)];
        let mut upstreams: Vec<(usize, NodeIndex, Option<&str>)> = Vec::new();
        while let Some((idx, view)) = stack.pop() {
            match view {
                None if !seen.visit(idx) => continue,
                Some(view) if seen.is_visited(&idx) || seen_views.contains(&(idx, view)) => continue,
                Some(view) => seen_views.push((idx, view)),
                None => {}
            }
            match visit(idx, view) {
                Visit::Stop => return,
                Visit::Skip => continue,
                Visit::Descend if view.is_some() => continue,
                Visit::Descend => {}
            }
            upstreams.clear();
            upstreams.extend(self.graph.edges(idx).map(|edge| {
                let link = edge.weight();
                (link.position, edge.target(), link.view.as_deref())
            }));
            upstreams.sort_unstable_by_key(|&(position, _, _)| position);
            stack.extend(upstreams.iter().rev().map(|&(_, upstream, view)| (upstream, view)));
        }
    }

    /// The number of repositories in the search order of `start`, counting at most to `cap`.
    fn search_len(&self, start: NodeIndex, cap: usize) -> usize {
        let mut count = 0;
        self.walk(start, |_, _| {
            count += 1;
            count < cap
        });
        count
    }

    /// The upstreams of `idx` in list order.
    fn ordered_upstreams(&self, idx: NodeIndex) -> Vec<NodeIndex> {
        let mut upstreams: Vec<(usize, NodeIndex)> =
            self.graph.edges(idx).map(|edge| (edge.weight().position, edge.target())).collect();
        upstreams.sort_unstable_by_key(|&(position, _)| position);
        upstreams.into_iter().map(|(_, upstream)| upstream).collect()
    }

    /// Every repository from which `idx` is reachable, `idx` excluded, in no particular order.
    fn downstream_indices(&self, idx: NodeIndex) -> Vec<NodeIndex> {
        let mut seen = self.graph.visit_map();
        seen.visit(idx);
        let mut queue = VecDeque::from([idx]);
        let mut found = Vec::new();
        while let Some(current) = queue.pop_front() {
            for down in self.graph.neighbors_directed(current, Direction::Incoming) {
                if seen.visit(down) {
                    found.push(down);
                    queue.push_back(down);
                }
            }
        }
        found
    }

    /// The shortest cycle from `start` back to itself, following upstream lists in order, as
    /// names: `[start, …, start]`.
    fn cycle_through(&self, start: NodeIndex) -> Option<Vec<String>> {
        let mut parent: HashMap<NodeIndex, NodeIndex> = HashMap::new();
        let mut seen = self.graph.visit_map();
        seen.visit(start);
        let mut queue = VecDeque::from([start]);
        while let Some(current) = queue.pop_front() {
            for upstream in self.ordered_upstreams(current) {
                if upstream == start {
                    let mut path = vec![self.name(start).to_owned()];
                    let mut at = current;
                    while at != start {
                        path.push(self.name(at).to_owned());
                        at = *parent.get(&at)?;
                    }
                    path.push(self.name(start).to_owned());
                    path.reverse();
                    return Some(path);
                }
                if seen.visit(upstream) {
                    parent.insert(upstream, current);
                    queue.push_back(upstream);
                }
            }
        }
        None
    }

    /// The checks of one repository that need nothing but its node and the set of names.
    fn check_node(&self, repo: &str, node: &RepoNode) -> Result<(), GraphError> {
        let repository = || repo.to_owned();
        // An entry naming a view counts as its repository: a repository is listed once, as
        // itself or as one of its views.
        fn listed_repository(upstream: &str) -> &str {
            upstream_parts(upstream).0
        }
        if node.upstreams.iter().any(|upstream| listed_repository(upstream) == repo) {
            return Err(GraphError::SelfUpstream { repository: repository() });
        }
        let mut listed = HashSet::new();
        if let Some(upstream) = node.upstreams.iter().find(|upstream| !listed.insert(listed_repository(upstream))) {
            return Err(GraphError::DuplicateUpstream {
                repository: repository(),
                upstream: listed_repository(upstream).to_owned(),
            });
        }
        if node.upstreams.len() > MAX_DIRECT_UPSTREAMS {
            return Err(GraphError::TooManyUpstreams { repository: repository(), count: node.upstreams.len() });
        }
        if let Some(name) = node.upstreams.iter().find(|upstream| !self.contains(listed_repository(upstream))) {
            return Err(GraphError::UnknownUpstream {
                repository: repository(),
                name: listed_repository(name).to_owned(),
            });
        }
        if let (false, Some(connection)) = (node.upstreams.is_empty(), &node.external_connection) {
            return Err(GraphError::UpstreamsAndExternalConnection {
                repository: repository(),
                external_connection: connection.clone(),
            });
        }
        Ok(())
    }

    /// The first of `candidates` whose search order exceeds the limit, as an error.
    fn check_search_sizes(&self, candidates: impl IntoIterator<Item = NodeIndex>) -> Result<(), GraphError> {
        for idx in candidates {
            if self.search_len(idx, MAX_SEARCHED_REPOSITORIES + 1) > MAX_SEARCHED_REPOSITORIES {
                return Err(GraphError::SearchTooLarge {
                    repository: self.name(idx).to_owned(),
                    count: self.search_len(idx, usize::MAX),
                });
            }
        }
        Ok(())
    }
}

/// What a walk does after visiting a repository.
enum Visit {
    /// Go on into its upstream repositories.
    Descend,
    /// Go on, but not into its upstream repositories.
    Skip,
    /// End the walk.
    Stop,
}
