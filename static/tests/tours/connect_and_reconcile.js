import {registry} from "@web/core/registry";

/**
 * From the Accounting dashboard: connect the Sandbox Bank to the bank journal, let the bank
 * pay the open invoice, sync, open the reconciliation wizard from "N to reconcile" and accept
 * the suggestion. The Python side (tests/test_tour.py) checks the invoice is paid.
 */
registry.category("web_tour.tours").add("account_bank_psd2_connect_and_reconcile", {
    url: "/odoo/action-account.open_account_journal_dashboard_kanban",
    steps: () => [
        {
            content: "Connect a bank from the bank journal's card",
            trigger: ".o_kanban_record button[name='action_psd2_connect_bank']",
            run: "click",
        },
        {
            content: "Keep the Sandbox Bank and go on",
            trigger: ".modal button[name='action_choose_provider']",
            run: "click",
        },
        {
            content: "Give consent: the Sandbox Bank grants it at once",
            trigger: ".modal button[name='action_authorize']",
            run: "click",
        },
        {
            content: "The bank's accounts are listed; confirm the mapping and sync",
            trigger: ".modal .o_data_row:contains('Rachunek bieżący')",
        },
        {
            trigger: ".modal button[name='action_confirm']",
            run: "click",
        },
        {
            content:
                "The connection is open: let the Sandbox Bank pay the open invoice",
            trigger: ".o_form_view button[name='action_sandbox_pay_open_invoices']",
            run: "click",
        },
        {
            content: "Sync now to import the payment",
            trigger: ".o_form_view button[name='action_sync_now']",
            run: "click",
        },
        {
            trigger: ".o_notification:contains('new transactions')",
        },
        {
            content: "Back to the dashboard",
            trigger: ".o_breadcrumb .o_back_button, .o_breadcrumb li:first-child a",
            run: "click",
        },
        {
            content: "Open the transactions waiting for reconciliation",
            trigger:
                ".o_kanban_record button[name='action_psd2_open_reconcile_wizard']",
            run: "click",
        },
        {
            content: "The payment is suggested for the invoice: accept it",
            trigger:
                ".modal .o_data_row:has(.o_field_many2many_tags .badge) button[name='action_accept']",
            run: "click",
        },
        {
            content: "The wizard says it is reconciled",
            trigger: ".modal .alert-info:contains('econciled')",
        },
    ],
});
