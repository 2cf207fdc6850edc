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
        {{max_by "country" "invoiced_at"}} as country,
        min(case when not is_cancellation then invoiced_at end) as first_order_at,
        max(case when not is_cancellation then invoiced_at end) as last_order_at,
        count(case when not is_cancellation then 1 end) as order_count,
        count(case when is_cancellation then 1 end) as cancellation_count,
        coalesce(sum(case when not is_cancellation then invoice_amount end), 0) as gross_spend,
        coalesce(-sum(case when is_cancellation then invoice_amount end), 0) as cancelled_amount,
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
    -- A float on every warehouse: dividing a decimal gives a float on DuckDB but a decimal elsewhere.
    round(
        cast(customer_totals.net_spend as {{type "float"}}) / nullif(customer_totals.order_count, 0), 2
    ) as average_order_value,
    {{date_diff_days "customer_totals.last_order_at" "parameters.as_of_date"}} as days_since_last_order
from customer_totals
cross join parameters
