-- One row per invoice (an order or a cancellation), summed from its order lines.
select
    invoice_no,
    -- A few invoices have lines stamped a minute apart, so the first stamp is the invoice time.
    min(invoiced_at) as invoiced_at,
    -- Every invoice in the file has a single customer and country.
    any_value(customer_id) as customer_id,
    any_value(country) as country,
    -- Cancellations have an invoice number starting with C.
    invoice_no like 'C%' as is_cancellation,
    count(*) as line_count,
    sum(quantity) as item_quantity,
    sum(line_amount) as invoice_amount
from {{ref "stg_retail_order_lines"}} as order_lines
group by invoice_no
