-- One row per retail customer who ordered before but not in the `lapsed_days` days before the as-of date.
with parameters as (
    select
        cast({{var "as_of"}} as date) as as_of_date,
        cast({{var "lapsed_days"}} as integer) as lapsed_days
)

select
    customers.customer_id,
    customers.country,
    customers.last_order_at,
    customers.days_since_last_order,
    customers.order_count,
    customers.net_spend
from {{ref "retail_customers"}} as customers
cross join parameters
where customers.order_count > 0
  -- Customers whose orders were all cancelled never bought anything, so they are not lapsed buyers.
  and customers.net_spend > 0
  and customers.last_order_at < cast({{date_add_days "parameters.as_of_date" "-parameters.lapsed_days"}} as timestamp)
