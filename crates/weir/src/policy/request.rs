//! The routes a request described on the command line may take, resolved through the
//! configuration: the one-target route of a named vendor (the reroute routes are the
//! gateway's own, [`weir_gateway::policy::reroutes`]).

use weir_config::{Config, catalogue};
pub use weir_gateway::policy::{reroutes, route_of};
pub use weir_policy::{OwnedRoute, Request};

/// The one-target route to `vendor` (the configuration's, else the catalogue's), for `model`.
pub fn vendor_route(config: &Config, vendor: &str, model: &str) -> anyhow::Result<OwnedRoute> {
    let jurisdiction = match config.vendor(vendor) {
        Some(v) => v.jurisdiction.to_string(),
        None => match catalogue::vendor(vendor) {
            Some(v) => v.jurisdiction.to_string(),
            None => {
                let mut known: Vec<&str> = config.vendors.iter().map(|v| v.name.as_str()).collect();
                for name in catalogue::names() {
                    if !known.contains(&name) {
                        known.push(name);
                    }
                }
                anyhow::bail!(
                    "unknown vendor \"{vendor}\": neither the configuration nor weir's catalogue \
                     has it; vendors are {}",
                    known.join(", ")
                );
            }
        },
    };
    Ok(OwnedRoute {
        name: format!("vendor:{vendor}"),
        targets: vec![(vendor.to_owned(), jurisdiction, model.to_owned())],
    })
}
