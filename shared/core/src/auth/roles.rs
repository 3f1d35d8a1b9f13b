//! Roles and the permissions each grants.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Designer,
    SalesRep,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Designer, Role::SalesRep, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Designer => "designer",
            Role::SalesRep => "sales_rep",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// What the role may do; `admin` may do everything.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Admin => &Permission::ALL,
            Role::Designer => &[
                ProjectsRead,
                ProjectsWrite,
                ProjectsDelete,
                ProductsRead,
                EstimatesCreate,
                JobsRead,
                RendersCreate,
                EventsWrite,
            ],
            Role::SalesRep => &[
                ProjectsRead,
                ProjectsWrite,
                ProductsRead,
                EstimatesCreate,
                OrdersCreate,
                JobsRead,
                RendersCreate,
                EventsWrite,
                AliasesManage,
            ],
            // Viewers follow jobs on projects they see but do not spend GPU time.
            // What viewers look at still teaches the recommender.
            Role::Viewer => &[ProjectsRead, ProductsRead, JobsRead, EventsWrite],
        }
    }

    pub fn has(self, permission: Permission) -> bool {
        self.permissions().contains(&permission)
    }
}

/// Declares [`Permission`], its string forms and one marker type per permission (for
/// [`Require`](super::Require)) from a single list, so they cannot drift apart.
macro_rules! permissions {
    ($($name:ident => $text:literal),* $(,)?) => {
        /// A capability a route requires. Its string form (`projects:read`) travels in access
        /// tokens and names the route's requirement in the OpenAPI document's security scopes.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Permission {
            $($name),*
        }

        impl Permission {
            pub const ALL: [Permission; [$(stringify!($name)),*].len()] = [$(Permission::$name),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Permission::$name => $text),*
                }
            }
        }

        /// Marker types for [`Require`](super::Require), one per [`Permission`].
        pub mod perm {
            use super::{Permission, super::PermissionMarker};
            $(
                #[derive(Debug)]
                pub struct $name;
                impl PermissionMarker for $name {
                    const PERMISSION: Permission = Permission::$name;
                }
            )*
        }
    };
}

permissions! {
    ProjectsRead => "projects:read",
    ProjectsWrite => "projects:write",
    ProjectsDelete => "projects:delete",
    ProductsRead => "products:read",
    ProductsWrite => "products:write",
    EstimatesCreate => "estimates:create",
    OrdersCreate => "orders:create",
    UsersManage => "users:manage",
    AuditRead => "audit:read",
    JobsRead => "jobs:read",
    RendersCreate => "renders:create",
    EventsWrite => "events:write",
    ModelsManage => "models:manage",
    AliasesManage => "aliases:manage",
}

impl Permission {
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_grant_what_the_design_says() {
        use Permission::*;
        assert!(Permission::ALL.iter().all(|p| Role::Admin.has(*p)));
        assert!(Role::Designer.has(ProjectsDelete) && !Role::Designer.has(OrdersCreate));
        assert!(Role::SalesRep.has(OrdersCreate) && !Role::SalesRep.has(ProjectsDelete));
        assert_eq!(
            Role::Viewer.permissions(),
            &[ProjectsRead, ProductsRead, JobsRead, EventsWrite]
        );
        assert!(!Role::Designer.has(ModelsManage) && !Role::SalesRep.has(ModelsManage));
        assert!(!Role::Designer.has(UsersManage) && !Role::SalesRep.has(AuditRead));
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(p));
        }
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }
}
