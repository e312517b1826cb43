//! Which vendors, in which order, serve a model name.

use std::sync::Arc;

use crate::{Config, Glob, Vendor};

/// Resolves model names to targets. Built once per configuration; lookups do not allocate beyond
/// the result.
#[derive(Debug, Clone)]
pub struct Router {
    /// The enabled vendors, in [`Config::vendors`] order.
    vendors: Vec<Arc<Vendor>>,
    routes: Vec<CompiledRoute>,
}

/// A route with its targets reduced to enabled vendors (indexes into `Router::vendors`).
#[derive(Debug, Clone)]
struct CompiledRoute {
    name: String,
    models: Vec<Glob>,
    targets: Vec<(usize, Option<String>)>,
}

/// What served a model name, without cloning anything.
enum Found<'a> {
    Route(&'a CompiledRoute),
    Vendor(usize),
}

/// The outcome of routing one model name.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// The explicit route's name, or `vendor:NAME` when the model matched a vendor's own `models`
    /// globs.
    pub route: String,
    /// Targets in failover order; only enabled vendors.
    pub targets: Vec<ResolvedTarget>,
}

/// One target of a resolved route.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedTarget {
    /// The vendor.
    pub vendor: Arc<Vendor>,
    /// The model name to send to it.
    pub model: String,
}

impl Router {
    /// Builds the router for `config`.
    pub fn new(config: &Config) -> Router {
        let vendors: Vec<Arc<Vendor>> = config.vendors.iter().cloned().map(Arc::new).collect();
        let routes = config
            .routes
            .iter()
            .map(|r| CompiledRoute {
                name: r.name.clone(),
                models: r.models.clone(),
                targets: r
                    .targets
                    .iter()
                    .filter_map(|t| {
                        let i = vendors.iter().position(|v| v.name == t.vendor)?;
                        Some((i, t.model.clone()))
                    })
                    .collect(),
            })
            .collect();
        Router { vendors, routes }
    }

    /// The first route whose globs match, else the first vendor whose globs match.
    fn find(&self, model: &str) -> Option<Found<'_>> {
        if let Some(route) = self
            .routes
            .iter()
            .find(|r| r.models.iter().any(|g| g.matches(model)))
        {
            return (!route.targets.is_empty()).then_some(Found::Route(route));
        }
        self.vendors
            .iter()
            .position(|v| v.models.iter().any(|g| g.matches(model)))
            .map(Found::Vendor)
    }

    /// The vendor a request for `model` goes to first.
    fn first_vendor(&self, model: &str) -> Option<&Vendor> {
        match self.find(model)? {
            Found::Route(route) => Some(&self.vendors[route.targets[0].0]),
            Found::Vendor(i) => Some(&self.vendors[i]),
        }
    }

    /// The targets for `model`: the first explicit route whose globs match, with targets naming
    /// disabled vendors left out; otherwise the first enabled vendor whose `models` globs match
    /// (file vendors first, then catalogue order). `None` when nothing serves the model.
    ///
    /// A route claims every model its globs match: when none of its targets is enabled the
    /// answer is `None`, not a fall-through to vendors' globs (the route may exist to keep those
    /// models away from other vendors).
    pub fn resolve(&self, model: &str) -> Option<Resolved> {
        Some(match self.find(model)? {
            Found::Route(route) => self.through(route, model),
            Found::Vendor(i) => {
                let vendor = &self.vendors[i];
                Resolved {
                    route: format!("vendor:{}", vendor.name),
                    targets: vec![ResolvedTarget {
                        vendor: vendor.clone(),
                        model: model.to_owned(),
                    }],
                }
            }
        })
    }

    /// The targets of the route called `name`, for a request that asked for `model` (sent
    /// elsewhere by policy: a data-loss "reroute"). `None` when no route has that name or none
    /// of its targets is enabled.
    pub fn route_named(&self, name: &str, model: &str) -> Option<Resolved> {
        let route = self.routes.iter().find(|r| r.name == name)?;
        if route.targets.is_empty() {
            return None;
        }
        Some(self.through(route, model))
    }

    /// `route`'s targets for a request that asked for `model`.
    fn through(&self, route: &CompiledRoute, model: &str) -> Resolved {
        Resolved {
            route: route.name.clone(),
            targets: route
                .targets
                .iter()
                .map(|(i, target_model)| ResolvedTarget {
                    vendor: self.vendors[*i].clone(),
                    model: target_model.as_deref().unwrap_or(model).to_owned(),
                })
                .collect(),
        }
    }

    /// Model names to list on `GET /v1/models`: every literal glob of the routes and of enabled
    /// vendors' `models`, and every `vendor:model` target model, with the vendor that serves it;
    /// deduplicated, in a stable order.
    ///
    /// Each pair is `(model, vendor name)`, where the vendor is the one [`Router::resolve`] sends
    /// that model to first (for a target model nothing resolves, the target's vendor). Order:
    /// routes in file order (their literal globs, then their target models), then vendors in
    /// [`Config::vendors`] order; the first occurrence of a model wins.
    pub fn listed_models(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut push = |model: &str, vendor: Option<&Vendor>| {
            if let Some(vendor) = vendor
                && !out.iter().any(|(m, _)| m == model)
            {
                out.push((model.to_owned(), vendor.name.clone()));
            }
        };
        for route in &self.routes {
            for glob in route.models.iter().filter(|g| g.is_literal()) {
                push(glob.as_str(), self.first_vendor(glob.as_str()));
            }
            for (i, model) in &route.targets {
                if let Some(model) = model {
                    let vendor = self.first_vendor(model).unwrap_or(&self.vendors[*i]);
                    push(model, Some(vendor));
                }
            }
        }
        for vendor in &self.vendors {
            for glob in vendor.models.iter().filter(|g| g.is_literal()) {
                push(glob.as_str(), self.first_vendor(glob.as_str()));
            }
        }
        out
    }

    /// Whether any enabled vendor is known (readiness).
    pub fn has_vendors(&self) -> bool {
        !self.vendors.is_empty()
    }
}
