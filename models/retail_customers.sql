-- One row per identified retail customer: order history and spend before the as-of date.
with parameters as (
    select cast({{var "as_of"}} as date) as as_of_date
),

invoices_to_date as (
    select invoices.*
    from {{ref "stg_retail_invoices"}} as invoices
    cross join parameters
    where invoices.customer_id is not null
      and invoices.invoiced_at < parameters.as_of_date
),

customer_totals as (
    select
        customer_id,
        -- A few customers ordered from two countries, so the country of the latest invoice is used.
        arg_max(country, invoiced_at) as country,
        min(invoiced_at) filter (where not is_cancellation) as first_order_at,
        max(invoiced_at) filter (where not is_cancellation) as last_order_at,
        count(*) filter (where not is_cancellation) as order_count,
        count(*) filter (where is_cancellation) as cancellation_count,
        coalesce(sum(invoice_amount) filter (where not is_cancellation), 0) as gross_spend,
        coalesce(-sum(invoice_amount) filter (where is_cancellation), 0) as cancelled_amount,
        sum(invoice_amount) as net_spend
    from invoices_to_date
    group by customer_id
)

select
    customer_totals.customer_id,
    customer_totals.country,
    customer_totals.first_order_at,
    customer_totals.last_order_at,
    customer_totals.order_count,
    customer_totals.cancellation_count,
    customer_totals.gross_spend,
    customer_totals.cancelled_amount,
    customer_totals.net_spend,
    round(customer_totals.net_spend / nullif(customer_totals.order_count, 0), 2) as average_order_value,
    datediff('day', cast(customer_totals.last_order_at as date), parameters.as_of_date) as days_since_last_order
from customer_totals
cross join parameters
