//! Outbound requests to addresses users give us (completion webhooks): only to the public
//! internet. A URL is refused when its host is, or resolves to, a loopback, private, shared,
//! link-local (cloud metadata included), multicast or reserved address, IPv4 or IPv6 (mapped,
//! NAT64 and 6to4 forms unwrapped). The addresses are resolved again when the request is sent
//! and pinned for it, so a name that changes its answer (DNS rebinding) cannot redirect it.
//! Plain `http` and private addresses are allowed only for the hosts of `WEBHOOK_ALLOW_HOSTS`
//! (`host:port` entries) on the `local` and `test` stages, where receivers run on the
//! developer's machine.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use roomwright_core::config::Config;

/// Why a URL may not be called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not an absolute `https` URL with a host, or too long.
    Invalid,
    /// The host is or resolves to an address that is not public.
    NotPublic,
    /// The host does not resolve.
    Unresolvable,
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Invalid => "invalid",
            Refusal::NotPublic => "forbidden_address",
            Refusal::Unresolvable => "unresolvable",
        }
    }

    pub fn message(&self) -> &'static str {
        match self {
            Refusal::Invalid => {
                "The URL must be an absolute https:// URL of at most 2048 characters."
            }
            Refusal::NotPublic => {
                "The URL's host is, or resolves to, a loopback, private, link-local or reserved \
                 address; webhooks go to public addresses only."
            }
            Refusal::Unresolvable => "The URL's host name does not resolve.",
        }
    }
}

/// Whether an address is on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // 169.254/16: cloud metadata lives here
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address.
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        return is_public_v4(Ipv4Addr::new(
            (s[6] >> 8) as u8,
            s[6] as u8,
            (s[7] >> 8) as u8,
            s[7] as u8,
        ));
    }
    if s[0] == 0x2002 {
        return is_public_v4(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ));
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local (AWS metadata fd00:ec2::254 included)
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] == 0 && s[1..6] == [0, 0, 0, 0, 0]) // IPv4-compatible, deprecated
        || s[0] == 0x2001 && s[1] == 0x0db8) // documentation
}

/// A URL we may send to, with the addresses to pin it to.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: reqwest::Url,
    pub host: String,
    pub addresses: Vec<SocketAddr>,
}

fn allow_listed(config: &Config, url: &reqwest::Url) -> bool {
    let local = matches!(config.stage.as_str(), "local" | "test");
    let Some(host) = url.host_str() else {
        return false;
    };
    let entry = format!("{}:{}", host, url.port_or_known_default().unwrap_or(0));
    local && config.webhook_allow.iter().any(|allowed| allowed == &entry)
}

/// Checks `url` and resolves its host to the public addresses a request may be pinned to.
pub async fn check(config: &Config, url: &str) -> Result<Target, Refusal> {
    let parsed = reqwest::Url::parse(url).map_err(|_| Refusal::Invalid)?;
    let allowed = allow_listed(config, &parsed);
    let scheme_ok = parsed.scheme() == "https" || (allowed && parsed.scheme() == "http");
    if url.len() > 2048 || !scheme_ok || !parsed.username().is_empty() {
        return Err(Refusal::Invalid);
    }
    let host = parsed.host_str().ok_or(Refusal::Invalid)?.to_string();
    let port = parsed.port_or_known_default().ok_or(Refusal::Invalid)?;
    // The URL parser has already normalised literal addresses (`0x7f.1` is `127.0.0.1`).
    let literal = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .ok();
    let addresses: Vec<SocketAddr> = match literal {
        Some(ip) => vec![SocketAddr::new(ip, port)],
        None => tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|_| Refusal::Unresolvable)?
            .collect(),
    };
    if addresses.is_empty() {
        return Err(Refusal::Unresolvable);
    }
    // Every address must be public: a name that also points inside is refused whole.
    if !allowed && !addresses.iter().all(|a| is_public(a.ip())) {
        return Err(Refusal::NotPublic);
    }
    Ok(Target {
        url: parsed,
        host,
        addresses,
    })
}

/// A client that sends to `target` only at the addresses checked, without redirects.
pub fn pinned_client(
    target: &Target,
    timeout: std::time::Duration,
) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .resolve_to_addrs(&target.host, &target.addresses)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(stage: &str, allow: &[&str]) -> Config {
        Config {
            stage: stage.into(),
            table_name: "t".into(),
            bucket_name: "b".into(),
            jobs_queue_url: None,
            webhook_queue_url: None,
            jwt_issuer: "http://x".into(),
            spend: Default::default(),
            webhook_allow: allow.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[tokio::test]
    async fn refuses_inside_addresses_and_allows_listed_local_receivers() {
        let prod = config("prod", &["127.0.0.1:8080"]);
        for url in [
            "https://127.0.0.1/hook",
            "https://[::1]/hook",
            "https://169.254.169.254/latest/meta-data/",
            "https://[::ffff:a9fe:a9fe]/",
            "https://2130706433/",
            "https://0x7f.1/",
            "https://localhost/hook",
            "http://127.0.0.1:8080/hook",
        ] {
            let refused = check(&prod, url).await.unwrap_err();
            assert!(
                matches!(refused, Refusal::NotPublic | Refusal::Invalid),
                "{url}: {refused:?}"
            );
        }
        assert_eq!(
            check(&prod, "ftp://example.com/").await.unwrap_err(),
            Refusal::Invalid
        );
        assert_eq!(
            check(&prod, "https://user:pw@93.184.216.34/")
                .await
                .unwrap_err(),
            Refusal::Invalid
        );
        assert!(check(&prod, "https://93.184.216.34/hook").await.is_ok());
        // The allow-list counts only on local stages, and only for its exact host and port.
        let local = config("local", &["127.0.0.1:8080"]);
        assert!(check(&local, "http://127.0.0.1:8080/hook").await.is_ok());
        assert_eq!(
            check(&local, "http://127.0.0.1:8081/hook")
                .await
                .unwrap_err(),
            Refusal::Invalid
        );
        assert_eq!(
            check(&local, "https://127.0.0.1:8081/hook")
                .await
                .unwrap_err(),
            Refusal::NotPublic
        );
    }
}
