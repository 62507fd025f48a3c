//! Every kind's name rule, as one table: names it takes, names it refuses, and the code it
//! refuses them with.

use crate::kinds::{KINDS, Kind};

const GUID: &str = "6f2a3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";

/// For each kind: names accepted, names refused, the code of the refusal.
fn table() -> Vec<(Kind, Vec<String>, Vec<String>, &'static str)> {
    let names = |list: &[&str]| list.iter().map(|name| (*name).to_owned()).collect();
    let repeat = |character: &str, count: usize| character.repeat(count);
    vec![
        (
            Kind::Subscription,
            names(&[GUID]),
            names(&["sub", "6f2a3c4d"]),
            "InvalidSubscriptionId",
        ),
        (
            Kind::ResourceGroup,
            vec![
                "rg".into(),
                "My_RG-(1).x".into(),
                "é".into(),
                repeat("g", 90),
            ],
            names(&["bad name", "rg!", "a/b", "a\\b", "a#b"]),
            "InvalidResourceGroup",
        ),
        (
            Kind::VirtualMachine,
            vec![
                "vm1".into(),
                "VM-1".into(),
                "a".into(),
                "vm.1".into(),
                repeat("v", 64),
            ],
            vec![
                "".into(),
                repeat("v", 65),
                repeat("a", 1001),
                "_vm".into(),
                "vm_1".into(),
                "vm.".into(),
                "vm-".into(),
                "vm 1".into(),
                "vm\t".into(),
                "vm%2Fchild".into(),
                "vm`".into(),
                "vm'".into(),
                "vm\"".into(),
            ],
            "InvalidParameter",
        ),
        (
            Kind::UserAssignedIdentity,
            vec!["id1".into(), "my_identity-2".into(), repeat("i", 128)],
            vec!["ab".into(), "-id".into(), "id.1".into(), repeat("i", 129)],
            "InvalidResourceName",
        ),
        (
            Kind::Vault,
            names(&["kv1", "my-vault", "abcdefghijklmnopqrstuvwx"]),
            names(&[
                "kv",
                "1kv",
                "kv-",
                "kv--1",
                "kv_1",
                "abcdefghijklmnopqrstuvwxy",
            ]),
            "VaultNameNotValid",
        ),
        (
            Kind::VaultSecret,
            vec!["db-password".into(), "A1".into(), repeat("s", 127)],
            vec![
                "".into(),
                "db_password".into(),
                "ü".into(),
                repeat("s", 128),
            ],
            "InvalidParameter",
        ),
        (
            Kind::RoleAssignment,
            names(&[GUID]),
            names(&[
                "not-a-guid",
                "6f2a3c4d5e6f4a7b8c9d0e1f2a3b4c5d",
                "{6f2a3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d}",
            ]),
            "InvalidRoleAssignmentId",
        ),
        (
            Kind::RoleDefinition,
            names(&[GUID]),
            names(&["Reader", "6f2a3c4d"]),
            "InvalidRoleDefinitionId",
        ),
    ]
}

#[test]
fn every_kind_has_a_row_and_its_rule_takes_and_refuses_as_its_provider_does() {
    let table = table();
    for kind in KINDS {
        assert!(
            table.iter().any(|(row, ..)| *row == kind.kind),
            "{:?} has no row",
            kind.kind
        );
    }
    for (kind, accepted, refused, code) in table {
        let kind = kind.descriptor();
        for name in accepted {
            assert!(
                kind.check_name(&name).is_ok(),
                "{}: {name:?}",
                kind.type_path
            );
        }
        for name in refused {
            let error = kind.check_name(&name).expect_err(&name);
            let (status, refused_code) = error.status_and_code();
            assert_eq!(status, 400, "{}: {name:?}", kind.type_path);
            assert_eq!(refused_code, code, "{}: {name:?}", kind.type_path);
        }
    }
}

#[test]
fn every_rule_refuses_a_name_that_is_no_single_segment() {
    for kind in KINDS {
        for name in [
            "vm-a/child",
            "vm-a\\child",
            ".",
            "..",
            "",
            GUID.replace('-', "/").as_str(),
        ] {
            let error = kind.refuse_name(name);
            assert_eq!(
                error.status_and_code().0,
                400,
                "{}: {name:?}",
                kind.type_path
            );
            assert!(
                kind.check_name(name).is_err(),
                "{}: {name:?}",
                kind.type_path
            );
        }
    }
}
